"""Who hears about what happened to a ticket, and how (in the app, by e-mail): the one
path every outgoing mail takes (mail/outbound/outbox.py only queues and threads it).

Called by the domain (and by the mail pipeline, for its answers to incoming mail) inside
the transaction that makes the change; adds in-app notifications and queues mail in the
outbox, commits nothing.

Recipients per event (never the actor, only active users):
- new ticket: every staff member;
- public reply by a client: the assignee, or the coordinators while nobody is assigned;
  by an agent: the requester;
- internal note, status change: the assignee; a status change also the requester, as
  `ticket_closed` when the ticket enters a resolving status (see `_closes`);
- assignment: the new assignee;
- handover (domain/handover.py names them in `data["recipients"]`): handed over and
  withdrawn - the subcontractor's named person, else everyone of the organisation;
  accepted and returned - the coordinator who handed it over and the assignee. The in-app
  row's kind is "handover.<action>"; the mail's template "handover_<action>";
- SLA warning / breach (the sweep, `sla_alert`): the assignee and the coordinators;
- answers to incoming mail (`auto_reply`, `rejected`): the sender of the mail, by mail
  only, always automatic and capped per address (the pipeline has already left out mail
  that must never be answered: automatic, lists, machines).
Then each recipient's preferences (domain/notification_settings.py) decide in the app and/or
by mail. A client must still see the ticket (access policy) and never gets an internal
event: the preference module knows no internal events for clients, and `_deliver` skips
non-public timeline events for them as well, so a note's text cannot reach a client.

Substitutions (issue 13, domain/substitution_cover.py): what is meant for someone who is
away goes to their substitute (along a chain: the first person who is not away), marked
"(for X)" in the app and in the mail, decided by the absent person's preferences and
access; the absent person keeps their copy only when their substitution says so. Someone
who hears of the change for themself gets no second copy on behalf of a colleague.

One change, one message per person: a status change that comes with a reply or an
assignment (same ticket, same instant: `now`) is not announced again to someone who was
just told of that reply or assignment (`_told`).

In-app rows hold only parameters (names, status keys), never message text: the UI
renders them from the catalogs in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from helpdesk_app import routes
from helpdesk_app.config import get_settings
from helpdesk_app.domain import (
    access,
    actor_loading,
    inapp_notifications,
    substitution_cover,
    tx_cache,
    workflow,
)
from helpdesk_app.domain import notification_settings as prefs
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.escalation import coordinator_ids
from helpdesk_app.i18n import format_datetime, t
from helpdesk_app.mail.outbound import outbox, templates
from helpdesk_app.models import NotificationKind, Role, Ticket, TimelineEvent, User
from helpdesk_app.models.base import utcnow

NEW_TICKET = NotificationKind.NEW_TICKET
PUBLIC_REPLY = NotificationKind.PUBLIC_REPLY
INTERNAL_NOTE = NotificationKind.INTERNAL_NOTE
ASSIGNMENT = NotificationKind.ASSIGNMENT
STATUS_CHANGE = NotificationKind.STATUS_CHANGE
TICKET_CLOSED = NotificationKind.TICKET_CLOSED
SLA_WARNING = NotificationKind.SLA_WARNING
SLA_BREACH = NotificationKind.SLA_BREACH
HANDOVER = NotificationKind.HANDOVER
# answers to incoming mail (outbox kinds and templates; no in-app notification)
AUTO_REPLY = "auto_reply"
REJECTED = "rejected"


@dataclass
class Audience:
    """Possible recipients (active users, as plain snapshots) and their preferences,
    loaded once for many notifications: the SLA sweep keeps one for a whole sweep, so
    it adds no query per ticket or recipient."""

    people: dict[int, Actor]
    prefs: prefs.Loaded
    # (language, for client, for subcontractor) -> status key -> label
    _labels: dict[tuple[str, bool, bool], dict[str, str]] = field(default_factory=dict)
    # Users the outbox refused automatic mail for (per-recipient cap reached, bad
    # address): that holds for the rest of a sweep, so they are not rendered and asked
    # again for every alert.
    refused: set[int] = field(default_factory=set)
    # Substitutions in force (staff_audience, the SLA sweep): user -> who receives what is
    # meant for them; and (ticket id, recipient) -> on whose behalf an SLA mail goes.
    routes: dict[int, list[substitution_cover.Delivery]] = field(default_factory=dict)
    behalf: dict[tuple[int, int], int] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Session, user_ids: Iterable[int | None]) -> Audience:
        ids = {u for u in user_ids if u is not None}
        if not ids:
            return cls({}, {})
        users = db.exec(select(User).where(col(User.id).in_(ids),
                                           col(User.is_active).is_(True))).all()
        # Snapshots, not ORM rows: a caller's expire_all() would reload each one.
        people = actor_loading.load_many(db, users)  # with their queue limits
        return cls(people, prefs.load(db, people))

    def status_labels(self, db: Session, lang: str, *, for_client: bool,
                      for_subcontractor: bool = False) -> dict[str, str]:
        key = (lang, for_client, for_subcontractor)
        if key not in self._labels:
            self._labels[key] = workflow.labels(db, lang, for_client=for_client,
                                                for_subcontractor=for_subcontractor)
        return self._labels[key]

    def labels_for(self, db: Session, person: Actor) -> dict[str, str]:
        """The status names as `person` reads them."""
        return self.status_labels(db, person.language, for_client=not person.is_agent,
                                  for_subcontractor=person.is_subcontractor)


def _coordinators(db: Session) -> list[int]:
    return tx_cache.cached(db, "notify.coordinators", lambda: coordinator_ids(db),
                           scope="batch")


def _active_staff(db: Session) -> list[int]:
    return list(db.exec(select(User.id).where(col(User.role).in_(Role.STAFF),
                                              col(User.is_active).is_(True))).all())


def staff_audience(db: Session, now: datetime | None = None) -> Audience:
    """Every active staff member, their preferences and the substitutions in force at
    `now` (a few queries)."""
    staff = _active_staff(db)
    audience = Audience.load(db, staff)
    audience.routes = {uid: routed for uid, routed in substitution_cover.recipients(
        db, staff, now or utcnow()).items() if routed != [(uid, None)]}
    return audience


# (recipient, event, on behalf of whom: None = for themself)
Wanted = tuple[int, str, int | None]


def _route(wanted: list[tuple[int, str]],
           routes: Mapping[int, list[substitution_cover.Delivery]]) -> list[Wanted]:
    """Send what is meant for someone away to whoever stands in (see module doc): direct
    deliveries first, then one copy per remaining person on behalf of someone."""
    direct: list[Wanted] = []
    behalf: list[Wanted] = []
    for uid, ev in wanted:
        for recipient, for_uid in routes.get(uid, [(uid, None)]):
            (direct if for_uid is None else behalf).append((recipient, ev, for_uid))
    out = list(dict.fromkeys(direct))
    reached = {uid for uid, _ev, _f in out}
    for recipient, ev, for_uid in behalf:
        if recipient not in reached:
            reached.add(recipient)
            out.append((recipient, ev, for_uid))
    return out


# --------------------------------------------------------------------------- mail context


def _text(value: Any, person: Actor) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, person.language, person.timezone)
    return str(value)


def _context(ticket: Ticket, person: Actor, labels: Mapping[str, str],
             extra: Mapping[str, Any]) -> dict[str, str]:
    base = get_settings().base_url
    area = routes.AGENT_TICKETS if person.is_agent else routes.PORTAL_TICKETS
    ctx = {
        "number": ticket.number,
        "subject": ticket.subject,
        "ticket_url": f"{base}{area}{ticket.number}",
        "portal_url": f"{base}/portal",
        "recipient_name": person.full_name,
        "status": labels.get(ticket.status, ticket.status),
    }
    ctx.update({k: _text(v, person) for k, v in extra.items()})
    return ctx


def mail_context(db: Session, ticket: Ticket, recipient: User | Actor,
                 **extra: str | datetime | None) -> dict[str, str]:
    """What every mail template gets: ticket number, subject and link (the agent or the
    client view, by the recipient's role), portal link, recipient name and the status in
    the recipient's language (clients: the public label). `extra` keys are added;
    datetimes are formatted in the recipient's language and time zone."""
    person = recipient if isinstance(recipient, Actor) else Actor.from_user(recipient)
    labels = workflow.labels(db, person.language, for_client=not person.is_agent,
                             for_subcontractor=person.is_subcontractor)
    return _context(ticket, person, labels, extra)


# --------------------------------------------------------------------------- ticket events


def _closes(db: Session, data: Mapping[str, Any]) -> bool:
    """Whether a status change ends the work on the ticket, from the client's side.

    Entering a *resolving* status (workflow.is_resolving: category resolved or closed,
    or a status that closes/stops the clock) from a non-resolving one. Resolved counts,
    not only closed: for the client the work is done when an agent resolves the ticket
    (their answer reopens it); many tickets are closed later by an agent or never, so
    "closed" alone would announce the end late or not at all. A later resolved → closed
    is then a plain status change, so the client hears "it's done" once."""
    new, old = data.get("new"), data.get("old")
    return (isinstance(new, str) and workflow.is_resolving_key(db, new)
            and not (isinstance(old, str) and workflow.is_resolving_key(db, old)))


def _candidates(db: Session, actor: Actor | None, ticket: Ticket, kind: str,
                data: Mapping[str, Any]) -> list[tuple[int, str]]:
    """(user id, event) pairs that might hear of `kind`, before preferences."""
    pairs: list[tuple[int | None, str]] = []
    if kind == NEW_TICKET:
        staff = tx_cache.cached(db, "notify.staff", lambda: _active_staff(db), scope="batch")
        pairs = [(uid, NEW_TICKET) for uid in staff]
    elif kind == PUBLIC_REPLY:
        if actor is not None and actor.is_client:
            staff = [ticket.assignee_id] if ticket.assignee_id else _coordinators(db)
            pairs = [(uid, PUBLIC_REPLY) for uid in staff]
        else:
            pairs = [(ticket.requester_id, PUBLIC_REPLY)]
    elif kind == INTERNAL_NOTE:
        pairs = [(ticket.assignee_id, INTERNAL_NOTE)]
    elif kind == ASSIGNMENT:
        new = data.get("new")
        pairs = [(new if isinstance(new, int) else None, ASSIGNMENT)]
    elif kind == STATUS_CHANGE:
        pairs = [(ticket.assignee_id, STATUS_CHANGE),
                 (ticket.requester_id, TICKET_CLOSED if _closes(db, data) else STATUS_CHANGE)]
    elif kind == TICKET_CLOSED:
        pairs = [(ticket.requester_id, TICKET_CLOSED)]
    elif kind in (SLA_WARNING, SLA_BREACH):
        pairs = [(ticket.assignee_id, kind)] + [(uid, kind) for uid in _coordinators(db)]
    elif kind == HANDOVER:
        pairs = [(uid, HANDOVER) for uid in data.get("recipients") or ()
                 if isinstance(uid, int)]
    else:
        raise ValueError(f"unknown notification kind {kind!r}")
    me = actor.user_id if actor is not None else None
    return list(dict.fromkeys((uid, ev) for uid, ev in pairs if uid is not None and uid != me))


def _app_data(ev: str, actor: Actor | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters for the in-app text (catalog "notification.<kind>"); no private text."""
    out: dict[str, Any] = {"actor": actor.full_name if actor is not None else ""}
    if ev in (STATUS_CHANGE, TICKET_CLOSED):
        out.update(old=data.get("old"), new=data.get("new"))
    elif ev == HANDOVER:
        out.update(organisation=data.get("organisation") or "")
    elif ev in (SLA_WARNING, SLA_BREACH):
        out = {"clock": data.get("clock"), "due_at": data.get("due_at")}
    return out


def _mail_extra(db: Session, audience: Audience, ev: str, person: Actor, actor: Actor | None,
                event: TimelineEvent | None, data: Mapping[str, Any],
                principal: Actor | None = None) -> dict[str, Any]:
    extra: dict[str, Any] = {"actor_name": actor.full_name if actor is not None else ""}
    if principal is not None:  # a substitute's copy (templates mark it)
        extra["on_behalf_of"] = principal.full_name
    # A client gets the text of public events only (belt and braces: internal events
    # never reach clients at all).
    if event is not None and (person.is_staff or event.is_public
                              or event.shared_with_org_id == person.organisation_id):
        extra["body"] = event.body
    if ev == HANDOVER:
        extra["organisation"] = data.get("organisation") or ""
    if ev in (STATUS_CHANGE, TICKET_CLOSED):
        labels = audience.labels_for(db, person)
        old, new = data.get("old"), data.get("new")
        extra["old_status"] = labels.get(old, old or "") if isinstance(old, str) else ""
        if isinstance(new, str):
            extra["status"] = labels.get(new, new)
    if ev == ASSIGNMENT:  # assigned to the recipient (or to the one they stand in for)
        extra["assignee_name"] = (principal or person).full_name
    return extra


def _queue_mail(db: Session, ticket: Ticket, person: Actor, ev: str, extra: Mapping[str, Any],
                labels: Mapping[str, str], *, is_auto: bool, now: datetime) -> int:
    rendered = templates.render(ev, person.language, _context(ticket, person, labels, extra))
    queued = outbox.enqueue(db, to_addr=person.email, rendered=rendered, kind=ev[:30],
                            is_auto=is_auto, ticket_id=ticket.id, user_id=person.user_id,
                            to_name=person.full_name, now=now,
                            # staff and subcontractors (work handed to them) are not
                            # capped: a busy hour must not silence their notifications
                            capped=is_auto and not person.is_agent)
    return 0 if queued is None else 1


def _told(db: Session, ticket: Ticket, now: datetime) -> set[int]:
    """Who was notified of this change (ticket, instant) already in this session. Only
    the latest change is remembered: the calls for one change come one after another."""
    key = (ticket.id, now)
    last = db.info.get("notify.told")
    if last is None or last[0] != key:
        last = db.info["notify.told"] = (key, set())
    return last[1]


def _deliver(db: Session, audience: Audience, actor: Actor | None, ticket: Ticket,
             wanted: list[Wanted], event: TimelineEvent | None,
             data: Mapping[str, Any], now: datetime) -> tuple[int, set[int]]:
    """Notify `wanted` as they wish; returns (notifications queued, users reached)."""
    in_app: dict[tuple[str, int | None], list[int]] = {}
    mails = 0
    reached: set[int] = set()
    for uid, ev, for_uid in wanted:
        person = audience.people.get(uid)
        principal = audience.people.get(for_uid) if for_uid is not None else person
        if person is None or principal is None:  # inactive or gone
            continue
        # Nobody hears of a ticket they may not see (a client elsewhere, a technician
        # limited to other queues, a subcontractor it is not handed to); a client never of
        # an internal event, a subcontractor only of one shared with them. A substitute's
        # copy needs both: the absent person's right to it and the substitute's cover.
        if not access.can_see_ticket(person, ticket) or (
                event is not None and not access.can_see_event(person, ticket, event)):
            continue
        if principal is not person and not access.can_see_ticket(principal, ticket):
            continue
        # what the absent person asked to hear, delivered to whoever stands in
        channels = prefs.wants(audience.prefs, principal.user_id, principal.role, ev, ticket)
        # A handover's row and mail say which step it was (handed, accepted, ...).
        shown = f"{ev}.{data.get('action')}" if ev == HANDOVER else ev
        # (a withdrawal ends their access: an in-app row about it could never be read)
        if channels.in_app and shown != "handover.withdrawn":
            in_app.setdefault((shown, for_uid), []).append(uid)
            reached.add(uid)
        if channels.email and person.email:
            reached.add(uid)
            labels = audience.labels_for(db, person)
            extra = _mail_extra(db, audience, ev, person, actor, event, data,
                                principal if for_uid is not None else None)
            # The client's copy of an agent's reply is that agent's message, not an
            # automatic one (no Auto-Submitted header, not capped).
            is_auto = not (ev == PUBLIC_REPLY and person.is_client
                           and actor is not None and actor.is_agent)
            template = f"{ev}_{data.get('action')}" if ev == HANDOVER else ev
            mails += _queue_mail(db, ticket, person, template, extra, labels, is_auto=is_auto,
                                 now=now)
    rows = []
    for (ev, for_uid), ids in in_app.items():
        app_data = _app_data(ev.partition(".")[0], actor, data)  # "handover.handed"
        if for_uid is not None:
            app_data |= _behalf_data(audience.people[for_uid])
        rows += inapp_notifications.rows_for(ids, ev, ticket_id=ticket.id, data=app_data,
                                             now=now)
    return inapp_notifications.add_rows(db, rows) + mails, reached


def _behalf_data(principal: Actor) -> dict[str, Any]:
    """In-app parameters of a substitute's copy: "(for X)" is rendered by the bell."""
    return {"for": principal.full_name, "for_id": principal.user_id}


def ticket_event(db: Session, actor: Actor | None, ticket: Ticket, kind: str, *,
                 event: TimelineEvent | None = None, data: dict[str, Any] | None = None,
                 now: datetime) -> int:
    """Notify everyone who wants to hear of `kind` on `ticket` (not the actor).
    Returns how many notifications (in-app + mail) were queued."""
    data = dict(data or {})
    told = _told(db, ticket, now)
    candidates = _candidates(db, actor, ticket, kind, data)
    if not candidates:
        return 0
    asked = frozenset(uid for uid, _ in candidates)
    routes = tx_cache.cached(db, ("notify.routes", asked),
                             lambda: substitution_cover.recipients(db, asked, now),
                             scope="batch")
    me = actor.user_id if actor is not None else None
    wanted = [(uid, ev, for_uid) for uid, ev, for_uid in _route(candidates, routes)
              if uid not in told and uid != me]
    if not wanted:
        return 0
    ids = frozenset({uid for uid, _ev, _f in wanted}
                    | {f for _u, _ev, f in wanted if f is not None})
    audience = tx_cache.cached(db, ("notify.audience", ids), lambda: Audience.load(db, ids),
                               scope="batch")
    # A substitute deactivated meanwhile reaches nobody: the absent person hears it then.
    wanted = list(dict.fromkeys(
        (for_uid, ev, None) if for_uid is not None and uid not in audience.people else
        (uid, ev, for_uid) for uid, ev, for_uid in wanted))
    count, reached = _deliver(db, audience, actor, ticket, wanted, event, data, now)
    told.update(reached)
    return count


# --------------------------------------------------------------------------- answers to mail


def auto_reply(db: Session, ticket: Ticket, requester: User | Actor, *,
               in_reply_to: str | None, from_addr: str | None = None) -> int:
    """The sender of the mail that opened `ticket` learns its number and where to follow
    it: an answer to their message (`in_reply_to`, its Message-ID; Auto-Submitted:
    auto-replied), from the address it was sent to (`from_addr`; None: our default).
    Returns 1 if queued, 0 if the outbox refused (bad address, per-address cap)."""
    person = requester if isinstance(requester, Actor) else Actor.from_user(requester)
    rendered = templates.render(AUTO_REPLY, person.language, mail_context(db, ticket, person))
    queued = outbox.enqueue(db, to_addr=person.email, rendered=rendered, kind=AUTO_REPLY,
                            is_auto=True, ticket_id=ticket.id, user_id=person.user_id,
                            to_name=person.full_name, from_addr=from_addr,
                            in_reply_to=in_reply_to)
    return 0 if queued is None else 1


def rejected(db: Session, *, to_addr: str, language: str, recipient_name: str,
             original_subject: str, in_reply_to: str | None,
             from_addr: str | None = None) -> int:
    """The polite refusal to a sender the unknown-sender policy turns away (no ticket, no
    user): an answer to their message, in `language`. Returns 1 if queued, else 0."""
    rendered = templates.render(REJECTED, language, {
        "recipient_name": recipient_name, "original_subject": original_subject})
    queued = outbox.enqueue(db, to_addr=to_addr, rendered=rendered, kind=REJECTED,
                            is_auto=True, from_addr=from_addr, in_reply_to=in_reply_to)
    return 0 if queued is None else 1


# --------------------------------------------------------------------------- SLA alerts


@dataclass(frozen=True)
class SlaPoint:
    """One SLA alert of a ticket: SLA_WARNING / SLA_BREACH of `clock`, due at `due_at`."""

    kind: str
    clock: str
    due_at: datetime | None


def sla_alert(audience: Audience, ticket: Ticket, point: SlaPoint, user_ids: Iterable[int], *,
              now: datetime) -> tuple[list[dict[str, Any]], list[int]]:
    """Who hears of an SLA warning/breach among `user_ids` (staff in `audience`), per their
    preferences: (in-app rows for the caller's batched insert, users who want it by mail).
    Someone away is stood in for (`audience.routes`, see module doc). No query. The mail
    is the caller's to queue with `sla_mail`, once per ticket and recipient for everything
    the ticket crossed at one time."""
    in_app: dict[int | None, list[int]] = {}
    by_mail: list[int] = []
    for uid, _ev, for_uid in _route([(u, point.kind) for u in dict.fromkeys(user_ids)],
                                    audience.routes):
        person = audience.people.get(uid)
        principal = audience.people.get(for_uid) if for_uid is not None else person
        if person is None or principal is None or not person.is_staff:
            continue
        channels = prefs.wants(audience.prefs, principal.user_id, principal.role, point.kind,
                               ticket)
        if channels.in_app:
            in_app.setdefault(for_uid, []).append(uid)
        if channels.email and person.email and uid not in audience.refused:
            by_mail.append(uid)
            if for_uid is not None:
                audience.behalf[(ticket.id, uid)] = for_uid
    data = {"clock": point.clock, "due_at": point.due_at.isoformat() if point.due_at else None}
    rows = [row for for_uid, ids in in_app.items()
            for row in inapp_notifications.rows_for(
                ids, point.kind, ticket_id=ticket.id, now=now,
                data=data if for_uid is None
                else data | _behalf_data(audience.people[for_uid]))]
    return rows, by_mail


def sla_mail(db: Session, audience: Audience, ticket: Ticket, user_id: int,
             points: list[SlaPoint]) -> outbox.Mail | None:
    """The one mail to `user_id` about `points` of `ticket`, rendered for the caller to
    queue (`outbox.enqueue_many`, a whole batch at once): the sla_warning / sla_breach
    template for one point, sla_warnings / sla_breaches listing them for several. Its
    outbox kind is sla_breach when any point is a breach. None: nobody to mail (inactive,
    or the outbox refused them earlier in this sweep: see `sla_refused`)."""
    person = audience.people.get(user_id)
    if person is None or not person.email or not points or user_id in audience.refused:
        return None
    kind = SLA_BREACH if any(p.kind == SLA_BREACH for p in points) else SLA_WARNING
    labels = audience.status_labels(db, person.language, for_client=False)
    assignee = audience.people.get(ticket.assignee_id) if ticket.assignee_id else None
    extra: dict[str, Any] = {"assignee_name": assignee.full_name if assignee else ""}
    principal = audience.people.get(audience.behalf.get((ticket.id, user_id), -1))
    if principal is not None:  # a substitute's copy
        extra["on_behalf_of"] = principal.full_name
    if len(points) == 1:
        template = points[0].kind
        extra.update(clock=t(f"sla.clock.{points[0].clock}", person.language),
                     due_at=points[0].due_at)
    else:
        template = "sla_breaches" if kind == SLA_BREACH else "sla_warnings"
    context: dict[str, Any] = _context(ticket, person, labels, extra)
    if len(points) > 1:
        context["points"] = [
            ("breach" if p.kind == SLA_BREACH else "warning",
             t(f"sla.clock.{p.clock}", person.language), _text(p.due_at, person))
            for p in points]
    rendered = templates.render(template, person.language, context)
    # Staff notifications: automatic (Auto-Submitted) but never capped.
    return outbox.Mail(to_addr=person.email, rendered=rendered, kind=kind, is_auto=True,
                       ticket_id=ticket.id, user_id=person.user_id, to_name=person.full_name,
                       capped=False)


def sla_refused(audience: Audience, user_id: int) -> None:
    """The outbox refused mail to `user_id` (bad address): not rendered again this sweep."""
    audience.refused.add(user_id)
