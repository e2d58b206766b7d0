"""Work time configuration (issue 14): activity types and the rate rule of each contract,
for whoever holds "worktime.billing" (admins hold it).

- Activity types: a key (a slug, unique, fixed once created: exports and reports may
  name it), Polish and English names, the billable / on-site defaults a new entry starts
  with, and a place in the list. There is no delete: entries and timers point at types,
  so a type that is no longer wanted is deactivated (pickers stop offering it; entries
  keep showing its name) and can be reactivated.
- Rates: the form is text as an admin types it ("180,00" an hour, multipliers in
  percent, minutes as whole numbers); every problem is reported next to its field at
  once, each checked by `rating.validate_rule` so the rules live in one place.
- Saving a changed rule commits it with its audit entry (what changed, how many unbilled
  entries it re-rates), then re-rates every entry of the contract that is not locked
  ("billed") in batches of `RERATE_BATCH`, each its own short transaction so a big
  contract never holds the database's write lock for long: read, rated under the rule
  as it is at that batch (a later change wins), written with one conditional UPDATE
  that skips an entry locked meanwhile. Locked entries keep what was invoiced. The page
  re-rates up to one batch at once and more in the background with progress
  (state/admin_worktime.py); an interrupted run is completed by saving the rule again
  or `cli rerate CONTRACT_ID`.
Every save is audited (`worktime.activity_saved`, `worktime.rate_changed`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, func
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, permissions, rating, worktime
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.directory import Option
from helpdesk_app.domain.errors import FieldChecks, Forbidden, Invalid, NotFound
from helpdesk_app.models import (
    ActivityType,
    Contract,
    ContractRate,
    Organisation,
    WorkEntry,
)
from helpdesk_app.models.base import utcnow

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
NAME_MAX = 80
RATE_MAX_MINOR = 9_999_999  # 99 999,99 an hour: beyond that it is a typo
RERATE_BATCH = 500
_MONEY_RE = re.compile(r"^(\d{1,7})(?:[.,](\d{1,2}))?$")
_ACTIVITY_AUDITED = ("key", "name_pl", "name_en", "billable", "on_site", "is_active",
                     "sort_order")
_RATE_AUDITED = ("hourly_rate_minor", "currency", "rounding", "rounding_minutes",
                 "minimum_visit_minutes", "after_hours_pct", "weekend_pct", "on_site_pct")


def _require(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden()
    access.require_permission(actor, permissions.WORKTIME_BILLING)


# --------------------------------------------------------------------------- activity types


@dataclass(frozen=True)
class ActivityView:
    id: int
    key: str
    name_pl: str
    name_en: str
    billable: bool
    on_site: bool
    is_active: bool
    sort_order: int
    entries: int  # how many work entries use it


@dataclass
class ActivityForm:
    """An activity type as typed; `sort_order` is the form's text ("" is 0)."""

    key: str = ""
    name_pl: str = ""
    name_en: str = ""
    billable: bool = True
    on_site: bool = False
    sort_order: str = ""


def list_activities(db: Session, actor: Actor) -> list[ActivityView]:
    """Every activity type, active and not, in the pickers' order, with its use count."""
    _require(actor)
    used = dict(db.exec(select(WorkEntry.activity_type_id, func.count())
                        .where(col(WorkEntry.activity_type_id).is_not(None))
                        .group_by(WorkEntry.activity_type_id)).all())
    return [ActivityView(a.id, a.key, a.name_pl, a.name_en, a.billable, a.on_site,
                         a.is_active, a.sort_order, used.get(a.id, 0))
            for a in worktime.activity_types(db, active_only=False)]


def _order(text: str) -> int:
    text = (text or "").strip()
    if not re.fullmatch(r"-?\d{1,6}", text or "0"):
        raise Invalid("worktime_admin.number_invalid", value=text[:20])
    return int(text or "0")


def _name(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise Invalid("worktime_admin.name_required")
    if len(text) > NAME_MAX:
        raise Invalid("worktime_admin.name_too_long", max=NAME_MAX)
    return text


def save_activity(db: Session, actor: Actor, activity_id: int | None,
                  form: ActivityForm) -> int:
    """Create (`activity_id` None) or change an activity type; the key of an existing one
    stays. Every problem at once (FormInvalid). Returns the id."""
    _require(actor)
    row = db.get(ActivityType, activity_id) if activity_id else None
    if activity_id and row is None:
        raise NotFound("worktime_admin.activity_not_found")
    checks = FieldChecks()
    key = row.key if row is not None else (form.key or "").strip().lower()
    if row is None:
        if not KEY_RE.match(key):
            checks.fail("key", "worktime_admin.key_invalid")
        elif db.exec(select(ActivityType.id).where(ActivityType.key == key)).first():
            checks.fail("key", "worktime_admin.key_taken", key=key)
    name_pl = checks.run("name_pl", _name, form.name_pl)
    name_en = checks.run("name_en", _name, form.name_en)
    order = checks.run("sort_order", _order, form.sort_order)
    checks.done()
    before = audit.snapshot(row, _ACTIVITY_AUDITED) if row is not None else None
    row = row or ActivityType(key=key, name_pl="", name_en="")
    row.name_pl, row.name_en, row.sort_order = name_pl, name_en, order
    row.billable, row.on_site = bool(form.billable), bool(form.on_site)
    db.add(row)
    db.flush()
    audit.record_change(db, actor, "worktime.activity_saved",
                        target=audit.Target("activity_type", row.id, row.key),
                        details=audit.changes(before, row, _ACTIVITY_AUDITED))
    db.commit()
    return row.id


def set_activity_active(db: Session, actor: Actor, activity_id: int, active: bool) -> None:
    """Deactivate (pickers stop offering it; a running timer keeps it) or reactivate."""
    _require(actor)
    row = db.get(ActivityType, activity_id) if activity_id else None
    if row is None:
        raise NotFound("worktime_admin.activity_not_found")
    before = audit.snapshot(row, ("is_active",))
    row.is_active = bool(active)
    db.add(row)
    audit.record_change(db, actor, "worktime.activity_saved",
                        target=audit.Target("activity_type", row.id, row.key),
                        details=audit.changes(before, row, ("is_active",)))
    db.commit()


# --------------------------------------------------------------------------- contracts


def contract_options(db: Session, actor: Actor) -> list[Option]:
    """Every contract as "organisation — contract", for the rate and lock pickers."""
    _require(actor)
    rows = db.exec(select(Contract, Organisation.name)
                   .join(Organisation, col(Organisation.id) == col(Contract.organisation_id))
                   .order_by(col(Organisation.name), col(Contract.valid_from),
                             col(Contract.id))).all()
    return [Option(c.id, f"{org} — {c.name}") for c, org in rows]


def organisation_options(db: Session, actor: Actor) -> list[Option]:
    """The organisations that have at least one contract (what a lock may cover)."""
    _require(actor)
    rows = db.exec(select(Organisation).where(col(Organisation.id).in_(
        select(Contract.organisation_id))).order_by(col(Organisation.name))).all()
    return [Option(o.id, o.name) for o in rows]


# --------------------------------------------------------------------------- rates


@dataclass
class RateForm:
    """A contract's rule as the form shows and takes it (all text)."""

    hourly_rate: str = ""  # "180,00" (or 180.00, 180)
    currency: str = "PLN"
    rounding: str = "none"  # rating.ROUNDINGS
    rounding_minutes: str = ""
    minimum_visit_minutes: str = ""
    after_hours_pct: str = "100"
    weekend_pct: str = "100"
    on_site_pct: str = "100"


@dataclass(frozen=True)
class RateInfo:
    form: RateForm
    has_rate: bool  # False: none saved yet (the contract bills nothing)
    unlocked: int  # entries a change would re-rate
    locked: int  # billed entries that keep their amounts


@dataclass(frozen=True)
class RateSaved:
    changed: bool
    rerated: int  # unlocked entries rated (save_rule: to rate) again under the new rule


def format_money(minor: int, lang: str) -> str:
    """Minor units as the form shows them: 18000 -> "180,00" (pl) / "180.00" (en)."""
    whole, cents = divmod(int(minor), 100)
    return f"{whole}{',' if lang == 'pl' else '.'}{cents:02d}"


def parse_money(text: str) -> int:
    """"180,00", "180.5", "1 800" -> minor units; at most two decimals, no sign."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "")
    found = _MONEY_RE.match(cleaned)
    if found is None:
        raise Invalid("worktime_admin.rate_format", value=(text or "").strip()[:20])
    minor = int(found[1]) * 100 + int((found[2] or "0").ljust(2, "0"))
    if minor > RATE_MAX_MINOR:
        raise Invalid("worktime_admin.rate_too_high", max=format_money(RATE_MAX_MINOR, "pl"))
    return minor


def _whole(text: str, default: int, *, percent: bool = False) -> int:
    cleaned = (text or "").strip()
    if percent:
        cleaned = cleaned.removesuffix("%").strip()
    if not cleaned:
        return default
    if not re.fullmatch(r"\d{1,6}", cleaned):
        raise Invalid("worktime_admin.number_invalid", value=(text or "").strip()[:20])
    return int(cleaned)


_VALID = rating.RateRule(hourly_rate_minor=0)


def _check(**fields: object) -> None:
    """One field judged by rating.validate_rule alone (the others valid), so that every
    field gets its own message."""
    rating.validate_rule(replace(_VALID, **fields))


def parse_rate(form: RateForm) -> rating.RateRule:
    """The rule the form describes; FormInvalid with every problem, field by field."""
    checks = FieldChecks()
    rate = checks.run("hourly_rate", parse_money, form.hourly_rate)
    currency = (form.currency or "").strip().upper() or "PLN"
    checks.run("currency", _check, currency=currency)
    rounding = (form.rounding or "none").strip()
    checks.run("rounding", _check, rounding=rounding,
               rounding_minutes=0 if rounding == "none" else 1)
    rounding_ok = "rounding" not in checks.errors
    block = checks.run("rounding_minutes", _whole, form.rounding_minutes, 0)
    if block is not None:
        checks.run("rounding_minutes", _check, rounding=rounding if rounding_ok else "none",
                   rounding_minutes=block)
    minimum = checks.run("minimum_visit_minutes", _whole, form.minimum_visit_minutes, 0)
    if minimum is not None:
        checks.run("minimum_visit_minutes", _check, minimum_visit_minutes=minimum)
    pcts = {}
    for name in ("after_hours_pct", "weekend_pct", "on_site_pct"):
        pct = checks.run(name, _whole, getattr(form, name), 100, percent=True)
        if pct is not None:
            checks.run(name, _check, **{name: pct})
        pcts[name] = pct
    checks.done()
    rule = rating.RateRule(hourly_rate_minor=rate, currency=currency, rounding=rounding,
                           rounding_minutes=0 if rounding == "none" else block,
                           minimum_visit_minutes=minimum, **pcts)
    rating.validate_rule(rule)  # the whole rule, as rating will read it
    return rule


def _contract(db: Session, contract_id: int | None) -> Contract:
    contract = db.get(Contract, contract_id) if contract_id else None
    if contract is None:
        raise NotFound("worktime_admin.contract_not_found")
    return contract


def _counts(db: Session, contract_id: int) -> tuple[int, int]:
    unlocked, locked = db.exec(select(
        func.count(col(WorkEntry.id)).filter(col(WorkEntry.locked_at).is_(None)),
        func.count(col(WorkEntry.id)).filter(col(WorkEntry.locked_at).is_not(None)))
        .where(WorkEntry.contract_id == contract_id)).one()
    return int(unlocked or 0), int(locked or 0)


def rate_info(db: Session, actor: Actor, contract_id: int, lang: str) -> RateInfo:
    """The contract's rule as form text, and how many entries a change would touch."""
    _require(actor)
    contract = _contract(db, contract_id)
    row = db.get(ContractRate, contract.id)
    r = row or ContractRate(contract_id=contract.id)
    form = RateForm(  # no rule yet: the rate blank, the rest as rating's defaults
        hourly_rate=format_money(r.hourly_rate_minor, lang) if row else "",
        currency=r.currency,
        rounding=r.rounding, rounding_minutes=str(r.rounding_minutes or ""),
        minimum_visit_minutes=str(r.minimum_visit_minutes or ""),
        after_hours_pct=str(r.after_hours_pct), weekend_pct=str(r.weekend_pct),
        on_site_pct=str(r.on_site_pct))
    return RateInfo(form, row is not None, *_counts(db, contract.id))


def save_rate(db: Session, actor: Actor, contract_id: int, form: RateForm) -> RateSaved:
    """Set the contract's rule and re-rate its unlocked entries (module doc)."""
    saved = save_rule(db, actor, contract_id, form)
    if not saved.changed:
        return saved
    return RateSaved(True, rerate_contract(db, actor, contract_id))


def save_rule(db: Session, actor: Actor, contract_id: int, form: RateForm) -> RateSaved:
    """Set the contract's rule with its audit entry (one commit); `rerated` is how many
    unlocked entries `rerate_contract` has to rate again. Nothing changes when the rule
    is the same."""
    _require(actor)
    contract = _contract(db, contract_id)
    rule = parse_rate(form)
    row = db.get(ContractRate, contract.id)
    before = audit.snapshot(row or ContractRate(contract_id=contract.id), _RATE_AUDITED)
    row = row or ContractRate(contract_id=contract.id)
    for name in _RATE_AUDITED:
        setattr(row, name, getattr(rule, name))
    changes = audit.changes(before, row, _RATE_AUDITED)
    if not changes:
        db.rollback()
        return RateSaved(False, 0)
    row.updated_at = utcnow()
    db.add(row)
    unlocked = _counts(db, contract.id)[0]
    audit.record(db, actor, "worktime.rate_changed",
                 target=audit.Target("contract", contract.id, contract.name),
                 details={**changes, "entries_rerated": unlocked})
    db.commit()
    return RateSaved(True, unlocked)


def rerate_contract(db: Session, actor: Actor, contract_id: int,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Rate every unlocked entry of the contract again under its current rule, one
    committed batch at a time, reporting (done, total). Returns how many were rated."""
    _require(actor)
    _contract(db, contract_id)
    table = WorkEntry.__table__
    # conditional: an entry locked since it was read keeps its invoiced amount
    write = table.update().where(table.c.id == bindparam("b_id"),
                                 table.c.locked_at.is_(None)).values(
        billable_minutes=bindparam("b_minutes"), amount_minor=bindparam("b_amount"),
        currency=bindparam("b_currency"))
    ids = list(db.exec(select(WorkEntry.id).where(
        WorkEntry.contract_id == contract_id, col(WorkEntry.locked_at).is_(None))
        .order_by(col(WorkEntry.id))).all())
    db.rollback()  # no read transaction held open between the batches
    if progress:
        progress(0, len(ids))
    for start in range(0, len(ids), RERATE_BATCH):
        db.expire_all()  # the rule as it is now, not as this session first read it
        resolved = worktime.rule_for(db, contract_id)  # so a later change wins
        batch = db.exec(select(WorkEntry).where(
            col(WorkEntry.id).in_(ids[start:start + RERATE_BATCH]),
            col(WorkEntry.locked_at).is_(None))).all()
        params = []
        for entry in batch:
            old = (entry.billable_minutes, entry.amount_minor, entry.currency)
            worktime.rate_entry(db, entry, resolved=resolved)
            new = (entry.billable_minutes, entry.amount_minor, entry.currency)
            # out of the session: the ORM must not write it; the UPDATE below does
            db.expunge(entry)
            if new != old:
                params.append({"b_id": entry.id, "b_minutes": new[0], "b_amount": new[1],
                               "b_currency": new[2]})
        if params:
            db.execute(write, params)
        db.commit()
        if progress:
            progress(min(start + RERATE_BATCH, len(ids)), len(ids))
    return len(ids)
