"""Locking billed work time (issue 14): once a period is invoiced, its entries stop
changing.

- Lock: the entries of one contract, or of every contract of one client organisation,
  whose work date lies in [from, to] (both included) and that are not locked yet get
  `locked_at`, `locked_by_id` and the invoice number (`lock_ref`, required) in ONE
  conditional UPDATE, so two people locking at once never re-lock an entry: the second
  lock takes only what the first left. Needs "worktime.billing". Entries without a
  contract bill nothing and are not locked.
- A locked entry refuses changes and removal (domain/worktime.py, Conflict
  `worktime.locked`) and keeps its amount when the contract's rate changes.
- Unlock: admins only (a billing clerk who may lock may not undo an invoice), by invoice
  number, optionally of one contract, with a reason for the audit log. Unlocked entries
  keep their amounts until they are changed or the rate is saved again.
- `preview` tells what a lock would take (entries, hours, amount per currency, how many
  were stopped automatically and wait for a review) before anyone confirms.
Both writes are audited (`worktime.locked`, `worktime.unlocked`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

from helpdesk_app.domain import access, audit, permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.dates import parse_day
from helpdesk_app.domain.errors import FieldChecks, Forbidden, FormInvalid, Invalid
from helpdesk_app.models import Contract, Organisation, WorkEntry
from helpdesk_app.models.base import utcnow

REF_MAX = 80
REASON_MAX = 500
RECENT_LOCKS = 30


@dataclass
class LockForm:
    """A lock as typed: one contract or one organisation, days in the user's format."""

    contract_id: int | None = None
    organisation_id: int | None = None
    day_from: str = ""
    day_to: str = ""
    ref: str = ""


@dataclass(frozen=True)
class Period:
    contract_id: int | None
    organisation_id: int | None
    day_from: date
    day_to: date
    label: str  # the contract's or organisation's name, for the audit log


@dataclass(frozen=True)
class Preview:
    entries: int
    seconds: int
    billable_minutes: int
    amounts: tuple[tuple[str, int], ...]  # (currency, minor units), by currency
    capped: int  # forgotten timers stopped automatically: worth a look first


@dataclass(frozen=True)
class LockView:
    ref: str
    contract_id: int | None
    contract: str
    entries: int
    day_from: date
    day_to: date
    locked_at: datetime


def last_month(today: date) -> tuple[date, date]:
    """The calendar month before `today`'s: what is usually invoiced next."""
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _require(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden()
    access.require_permission(actor, permissions.WORKTIME_BILLING)


def _ref(text: str) -> str:
    ref = " ".join((text or "").split())
    if not ref:
        raise Invalid("worktime_billing.ref_required")
    if len(ref) > REF_MAX:
        raise Invalid("worktime_billing.ref_too_long", max=REF_MAX)
    return ref


def _day(text: str) -> date:
    day = parse_day(text)
    if day is None:
        raise Invalid("worktime_billing.day_required")
    return day


def parse_period(db: Session, form: LockForm, *, with_ref: bool = True) -> tuple[Period, str]:
    """The period and invoice number of the form; FormInvalid with every problem."""
    checks = FieldChecks()
    label = ""
    if form.contract_id:
        contract = db.get(Contract, form.contract_id)
        if contract is None:
            checks.fail("scope", "worktime_billing.scope_required")
        else:
            label = contract.name
    elif form.organisation_id:
        org = db.get(Organisation, form.organisation_id)
        if org is None:
            checks.fail("scope", "worktime_billing.scope_required")
        else:
            label = org.name
    else:
        checks.fail("scope", "worktime_billing.scope_required")
    first = checks.run("day_from", _day, form.day_from)
    last = checks.run("day_to", _day, form.day_to)
    if first is not None and last is not None and last < first:
        checks.fail("day_to", "worktime_billing.period_reversed")
    ref = checks.run("ref", _ref, form.ref) if with_ref else ""
    checks.done()
    return Period(form.contract_id or None, None if form.contract_id else
                  form.organisation_id, first, last, label), ref or ""


def _scope(period: Period) -> ColumnElement[bool]:
    """The entries a lock of `period` covers, locked or not."""
    if period.contract_id is not None:
        which = col(WorkEntry.contract_id) == period.contract_id
    else:
        which = col(WorkEntry.contract_id).in_(
            select(Contract.id).where(Contract.organisation_id == period.organisation_id))
    return which & col(WorkEntry.work_date).between(period.day_from, period.day_to)


def preview(db: Session, actor: Actor, form: LockForm, *, with_ref: bool = False) -> Preview:
    """What locking the form's period would take now; `with_ref`: the whole form is
    checked, invoice number included (the last look before the lock is confirmed)."""
    _require(actor)
    period, _ref_text = parse_period(db, form, with_ref=with_ref)
    open_ = _scope(period) & col(WorkEntry.locked_at).is_(None)
    entries, seconds, minutes, capped = db.exec(select(
        func.count(), func.coalesce(func.sum(WorkEntry.seconds), 0),
        func.coalesce(func.sum(WorkEntry.billable_minutes), 0),
        func.count(col(WorkEntry.id)).filter(col(WorkEntry.capped).is_(True)))
        .where(open_)).one()
    amounts = db.exec(select(WorkEntry.currency, func.sum(WorkEntry.amount_minor))
                      .where(open_).group_by(WorkEntry.currency)
                      .order_by(WorkEntry.currency)).all()
    return Preview(int(entries), int(seconds), int(minutes),
                   tuple((c, int(a or 0)) for c, a in amounts), int(capped or 0))


def lock_period(db: Session, actor: Actor, form: LockForm, *,
                now: datetime | None = None) -> int:
    """Lock the period's unlocked entries under the invoice number. Returns how many were
    locked (0: nothing was left to lock; nothing is audited then). Commits."""
    _require(actor)
    period, ref = parse_period(db, form)
    now = now or utcnow()
    done = db.execute(update(WorkEntry).where(_scope(period),
                                              col(WorkEntry.locked_at).is_(None))
                      .values(locked_at=now, locked_by_id=actor.user_id, lock_ref=ref)
                      .execution_options(synchronize_session=False)).rowcount
    if done:
        target = (audit.Target("contract", period.contract_id, period.label)
                  if period.contract_id else
                  audit.Target("organisation", period.organisation_id, period.label))
        audit.record(db, actor, "worktime.locked", target=target, details={
            "ref": ref, "entries": done, "from": period.day_from, "to": period.day_to})
    db.commit()
    return done


def unlock(db: Session, actor: Actor, *, ref: str, reason: str,
           contract_id: int | None = None) -> int:
    """Unlock the entries billed under `ref` (of one contract, when given). Admins only;
    the reason is required. Returns how many were unlocked. Commits."""
    access.require_admin(actor)
    checks = FieldChecks()
    ref = checks.run("unlock_ref", _ref, ref)
    reason = " ".join((reason or "").split())
    if not reason:
        checks.fail("reason", "worktime_billing.reason_required")
    elif len(reason) > REASON_MAX:
        checks.fail("reason", "worktime_billing.reason_too_long", max=REASON_MAX)
    contract = db.get(Contract, contract_id) if contract_id else None
    if contract_id and contract is None:
        checks.fail("unlock_contract", "worktime_billing.scope_required")
    checks.done()
    which = (col(WorkEntry.lock_ref) == ref) & col(WorkEntry.locked_at).is_not(None)
    if contract is not None:
        which = which & (col(WorkEntry.contract_id) == contract.id)
    done = db.execute(update(WorkEntry).where(which)
                      .values(locked_at=None, locked_by_id=None, lock_ref="")
                      .execution_options(synchronize_session=False)).rowcount
    if not done:
        db.rollback()
        raise FormInvalid({"unlock_ref": ("worktime_billing.nothing_to_unlock", {"ref": ref})})
    audit.record(db, actor, "worktime.unlocked",
                 target=audit.Target("contract", contract.id, contract.name) if contract
                 else audit.Target("invoice", ref, ref),
                 details={"ref": ref, "entries": done, "reason": reason})
    db.commit()
    return done


def recent_locks(db: Session, actor: Actor, limit: int = RECENT_LOCKS) -> list[LockView]:
    """The latest invoices (by number and contract), newest first: what was billed."""
    _require(actor)
    last = func.max(WorkEntry.locked_at)
    rows = db.exec(select(WorkEntry.lock_ref, WorkEntry.contract_id, Contract.name,
                          func.count(), func.min(WorkEntry.work_date),
                          func.max(WorkEntry.work_date), last)
                   .join(Contract, col(Contract.id) == col(WorkEntry.contract_id), isouter=True)
                   .where(col(WorkEntry.locked_at).is_not(None))
                   .group_by(WorkEntry.lock_ref, WorkEntry.contract_id, Contract.name)
                   .order_by(last.desc()).limit(limit)).all()
    return [LockView(ref, cid, name or "", int(n), first, final, at)
            for ref, cid, name, n, first, final, at in rows]
