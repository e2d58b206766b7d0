"""The one access policy. Every ticket read in the app goes through this module.

- Staff (admin, coordinator, technician) of the service provider see every ticket and
  every timeline event, unless a custom role limits them to some queues.
- Queue limit (custom roles, domain/actor_loading.py): the actor sees the tickets whose
  queue is in `actor.visible_queue_ids` (the role's queues ∪ the user's memberships) plus
  the tickets assigned to them, whatever the queue: a coordinator may hand a ticket to a
  person outside its queue, and that person must be able to work on it. Every ticket has a
  queue (`ticket.queue_id` is NOT NULL: creation falls back to the first active queue), so
  there are no queue-less tickets to decide about. On tickets it sees, a limited actor
  may do everything its base role may (reply, note, edit).
- Substitutions (issue 13, domain/substitution_cover.py): while a substitution is in
  force, the substitute sees and may work on every ticket the absent person could — the
  absent person's queues are added to a queue-limited substitute's visible queues
  (domain/actor_loading.py) and their assigned tickets count as the substitute's own
  (`assigned_ids`). Nothing is copied: when the substitution ends, the next read of the
  substitute no longer finds them. Only ticket visibility passes on, never permissions.
- Moving a ticket to a queue the actor cannot see is allowed: it is a hand-off to the
  other team. Afterwards the actor no longer sees the ticket (unless it is assigned to
  them) — the next read answers "not found", like for any ticket outside their queues.
- Permissions (domain/permissions.py): pages and handlers beyond the ticket rules (SLA
  configuration, workflow, reports, bulk edits, users) ask `has(actor, permission)`;
  `require_admin` stays for what only an admin may do (queues, roles, fields, mail).
- Accounts: "users.manage" lets staff manage people and organisations, but a manager who
  is not an admin never touches an admin's account, never grants the admin role and never
  changes their own role (`require_account_manager`): the permission cannot escalate.
- Clients see their own tickets, or all of their organisation's tickets when they carry
  the client-manager flag; they see only public timeline events and the attachments on
  those events, and never agent-only fields.
- Subcontractors see only the tickets handed to their organisation now
  (`Ticket.handed_to_org_id`, domain/handover.py): everyone of that organisation, not only
  a person the handover names (a named person is who gets the mail). Of the timeline they
  see public events and internal events shared with their organisation
  (`TimelineEvent.shared_with_org_id`: notes a coordinator shared, their own notes,
  handover events), never other internal notes. On such a ticket they may reply, write
  notes (shared with their organisation), attach, work the checklist and see its SLA
  deadlines (VIEW_SLA: they do the work; the contract behind them stays the desk's);
  statuses only those marked "visible to subcontractors" (domain/workflow.py), through
  the same path as a client's (`set_status_as_client`) - never the header edit (EDIT:
  assignee, queue, priority). Their SLA board counts these tickets only (ticket_scope).
  A withdrawal or return ends all of it at once.
- Work time (issue 14): staff and subcontractors log their own time on tickets they may
  work on (`Action.LOG_WORK`); staff see every entry of a visible ticket, a subcontractor
  only their own organisation's (`work_scope`), clients none. Correcting someone else's
  entry needs "worktime.manage"; a locked ("billed") entry changes only after an admin
  unlocks it (domain/worktime.py).
Anything an actor may not see is reported as "not found", so a guessed URL does not even
confirm that a ticket exists.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col, select

from helpdesk_app.domain import permissions
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.models import Queue, Role, Ticket, TimelineEvent, User, WorkEntry


class Action(StrEnum):
    VIEW = "view"
    REPLY = "reply"  # public reply
    NOTE = "note"  # internal note
    ATTACH = "attach"
    EDIT = "edit"  # status, priority, queue, assignee
    VIEW_INTERNAL = "view_internal"  # internal notes, agent-only fields
    CREATE_FOR_OTHERS = "create_for_others"
    CHECKLIST = "checklist"  # see and tick the ticket's checklist
    LOG_WORK = "log_work"  # log one's own work time on the ticket
    VIEW_SLA = "view_sla"  # the ticket's SLA deadlines and countdown (not the contract)


# What a subcontractor may do on a ticket handed to their organisation.
_SUBCONTRACTOR_ACTIONS = (Action.VIEW, Action.REPLY, Action.NOTE, Action.ATTACH,
                          Action.CHECKLIST, Action.LOG_WORK, Action.VIEW_SLA)


_LIMITABLE = (Role.COORDINATOR, Role.TECHNICIAN)  # the base roles a custom role may have


def _queue_limit(actor: Actor, indexed: bool) -> ColumnElement[bool]:
    visible = actor.visible_queue_ids or frozenset()
    # `+ 0` selects the same rows but keeps the planner off the queue/assignee indexes
    # (tickets_queries.list_tickets: a page in sort-index order when matches are many).
    queue = col(Ticket.queue_id) if indexed else col(Ticket.queue_id) + 0
    assignee = col(Ticket.assignee_id) if indexed else col(Ticket.assignee_id) + 0
    mine = (assignee.in_(assigned_ids(actor)) if actor.covering_ids
            else assignee == actor.user_id)
    if not visible:
        return mine
    return or_(queue.in_(sorted(visible)), mine)


def assigned_ids(actor: Actor) -> list[int]:
    """Whose assigned tickets count as the actor's own for the queue limit: the actor's
    and, during a substitution, those of the absent colleagues they cover."""
    return [actor.user_id, *sorted(actor.covering_ids)]


def ticket_scope(actor: Actor, *, indexed: bool = True) -> ColumnElement[bool]:
    """A WHERE clause selecting exactly the tickets `actor` may see. `indexed=False`: the
    same rows, written so the database does not pick the scope's own indexes."""
    if actor.role in Role.STAFF:
        if actor.visible_queue_ids is not None and actor.role in _LIMITABLE:
            return _queue_limit(actor, indexed)
        return true()
    if actor.role == Role.CLIENT:
        if actor.is_client_manager:
            return Ticket.organisation_id == actor.organisation_id
        return Ticket.requester_id == actor.user_id
    if actor.role == Role.SUBCONTRACTOR:
        return col(Ticket.handed_to_org_id) == actor.organisation_id
    return false()


def covered_scope(actor: Actor, *, indexed: bool = True) -> ColumnElement[bool]:
    """The "Substituting for …" view: the tickets assigned to the absent colleagues the
    actor covers now. Every one of them is visible to the actor (their assigned tickets
    count as the actor's own, `assigned_ids`), so this clause replaces `ticket_scope` for
    that view: narrower, and answered from the assignee index alone."""
    if actor.role not in Role.STAFF or not actor.covering_ids:
        return false()
    assignee = col(Ticket.assignee_id) if indexed else col(Ticket.assignee_id) + 0
    return assignee.in_(sorted(actor.covering_ids))


def event_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the timeline events `actor` may see (within visible tickets)."""
    if actor.role in Role.STAFF:
        return true()
    if actor.role == Role.SUBCONTRACTOR:
        return or_(col(TimelineEvent.is_public).is_(True),
                   col(TimelineEvent.shared_with_org_id) == actor.organisation_id)
    return TimelineEvent.is_public.is_(True)


def work_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on WorkEntry (within tickets the actor sees, `ticket_scope`): staff see
    every entry; a subcontractor only those of people of their own organisation (the desk's
    and other firms' time is not theirs to read); clients none on tickets (a client manager
    sees their organisation's work summary, domain/reports_client.py)."""
    if actor.role in Role.STAFF:
        return true()
    if actor.role == Role.SUBCONTRACTOR and actor.organisation_id is not None:
        return col(WorkEntry.user_id).in_(
            select(User.id).where(User.organisation_id == actor.organisation_id))
    return false()


def can_see_work(actor: Actor, ticket: Ticket, author: User) -> bool:
    """`work_scope` for one entry by `author` on `ticket`."""
    if not can_see_ticket(actor, ticket):
        return False
    if actor.role in Role.STAFF:
        return True
    return actor.role == Role.SUBCONTRACTOR and author.organisation_id == actor.organisation_id


def can_see_ticket(actor: Actor, ticket: Ticket) -> bool:
    if actor.role in Role.STAFF:
        if actor.visible_queue_ids is not None and actor.role in _LIMITABLE:
            return (ticket.queue_id in actor.visible_queue_ids
                    or (ticket.assignee_id is not None
                        and ticket.assignee_id in assigned_ids(actor)))
        return True
    if actor.role == Role.CLIENT:
        if actor.is_client_manager:
            return ticket.organisation_id == actor.organisation_id
        return ticket.requester_id == actor.user_id
    if actor.role == Role.SUBCONTRACTOR:
        return ticket.handed_to_org_id is not None and \
            ticket.handed_to_org_id == actor.organisation_id
    return False


def can_see_event(actor: Actor, ticket: Ticket, event: TimelineEvent) -> bool:
    if not can_see_ticket(actor, ticket):
        return False
    if actor.role in Role.STAFF or event.is_public:
        return True
    return actor.role == Role.SUBCONTRACTOR and event.shared_with_org_id is not None \
        and event.shared_with_org_id == actor.organisation_id


def can(actor: Actor, action: Action, ticket: Ticket | None = None) -> bool:
    if action is Action.CREATE_FOR_OTHERS:
        return actor.role in Role.STAFF
    if ticket is None or not can_see_ticket(actor, ticket):
        return False
    if actor.role in Role.STAFF:
        return True
    if actor.role == Role.SUBCONTRACTOR:
        return action in _SUBCONTRACTOR_ACTIONS
    # Clients on a visible ticket: read, reply publicly, attach. Nothing agent-only.
    return action in (Action.VIEW, Action.REPLY, Action.ATTACH)


def queue_limited(actor: Actor) -> bool:
    """Whether a queue limit applies to the actor (custom role; never admins or clients)."""
    return actor.visible_queue_ids is not None and actor.role in _LIMITABLE


def list_scope_key(actor: Actor, *, names_self: bool) -> Actor:
    """Who stands for everyone that sees exactly the same tickets as `actor` in a list:
    two actors with equal keys get equal list pages (and queue chips) for the same query,
    so state/live.py may compute a page once for all tabs showing it. Only what cannot
    change the result is dropped: name, e-mail and language always; the user id only for
    staff whose scope does not name them (no queue limit, no substitution) and a query
    that does not (`names_self`: "mine", "Substituting for")."""
    key = replace(actor, full_name="", email="", language="")
    if (actor.role in Role.STAFF and not queue_limited(actor) and not actor.covering_ids
            and not names_self):
        key = replace(key, user_id=0)
    return key


def queue_figures_scope(actor: Actor) -> ColumnElement[bool]:
    """The tickets behind per-queue figures (the list's queue chips): `ticket_scope`, but for
    a queue-limited actor only the queue part. The chips show only visible queues, and
    within those the two agree; leaving out "or assigned to me" lets the database count
    from the (queue, status) index alone (250 ms -> a few ms at 1M tickets)."""
    if queue_limited(actor):
        return col(Ticket.queue_id).in_(sorted(actor.visible_queue_ids or ()))
    return ticket_scope(actor)


def queue_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `Queue` for the queues whose tickets `actor` may list (queue
    chips, the list's queue filter). Moving a ticket may still pick any active queue."""
    if actor.visible_queue_ids is None or actor.role not in _LIMITABLE:
        return true()  # the counts themselves still go through ticket_scope
    return col(Queue.id).in_(sorted(actor.visible_queue_ids))


def has(actor: Actor, permission: str) -> bool:
    """Whether the actor holds `permission` (built-in defaults or its custom role)."""
    return permissions.has(actor, permission)


def require_permission(actor: Actor, permission: str) -> None:
    """Forbidden unless the actor holds `permission` (admins hold every one)."""
    if not permissions.has(actor, permission):
        raise Forbidden()


def require_any(actor: Actor, *wanted: str) -> None:
    """Forbidden unless the actor holds at least one of `wanted` (shared look-ups of two
    configuration pages, e.g. the contract list of /admin/sla and /admin/workflow)."""
    if not any(permissions.has(actor, p) for p in wanted):
        raise Forbidden()


def admits(actor: Actor, roles: frozenset[str], permission: str | None = None) -> bool:
    """The page/handler rule: the actor's role is among `roles` and, when the page names a
    permission, the actor holds it (so a custom role without "reports" loses the SLA board
    and one with "config.sla" gains /admin/sla, whatever its base role)."""
    if actor.role not in roles:
        return False
    return permission is None or permissions.has(actor, permission)


def require_admin(actor: Actor) -> None:
    """Configuration (contracts, calendars, statuses, fields, checklists, mail): admins."""
    if actor.role != Role.ADMIN:
        raise Forbidden()


def require_account_manager(actor: Actor, *roles: str) -> None:
    """Forbidden unless the actor may manage people ("users.manage") and, when the actor is
    not an admin, none of `roles` (the account's role now and the role it would get) is
    admin: a user manager cannot reach or create an admin account."""
    if actor.role not in Role.STAFF or not permissions.has(actor, permissions.USERS_MANAGE):
        raise Forbidden()
    if actor.role != Role.ADMIN and Role.ADMIN in roles:
        raise Forbidden()


def require_staff(actor: Actor) -> None:
    """Staff-only reads (directories, reports) that are not about one ticket."""
    if actor.role not in Role.STAFF:
        raise Forbidden()


def require(actor: Actor, action: Action, ticket: Ticket | None) -> Ticket:
    """Return the ticket when allowed; NotFound when unseen, Forbidden when seen but not allowed."""
    if ticket is None or not can_see_ticket(actor, ticket):
        raise NotFound("ticket.not_found")
    if not can(actor, action, ticket):
        raise Forbidden()
    return ticket
