"""The closed vocabulary of permissions a custom role can grant, and what each built-in
role has by default.

A permission is a plain string key; the list is closed (an admin ticks boxes, never types
keys), so a typo cannot grant anything. Built-in roles keep exactly the behaviour they had
before custom roles existed:
- admin: everything (it is not even looked up: `has` answers True);
- coordinator: bulk edits, the reports (SLA board) and correcting anyone's work time;
- technician: bulk edits;
- client: nothing here (clients never get custom roles);
- subcontractor: the reports, i.e. the SLA board, over the tickets handed to them
  (domain/sla_board.py counts through access.ticket_scope and leaves the desk's names
  out). Pages and handlers still admit them by role first: a report page for staff only
  declares `roles=routes.STAFF`, and a report built from more than ticket_scope must
  refuse them itself. Subcontractors never get custom roles either.

A custom role (models/queue.CustomRole) names a base role, technician or coordinator, and
the COMPLETE set of permissions its members get: ticking fewer boxes than the base role
has narrows it, ticking more extends it. The admin form starts from the base role's
defaults so "a coordinator who may also edit SLA" is one tick. The queue limit is not a
permission key but a property of the role (its `limit_to_queues` and `queue_ids`), because
it carries data (which queues), see domain/actor_loading.py.
No module here imports the database: the Actor and the page rules use it as well.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from helpdesk_app.models import Role

if TYPE_CHECKING:  # pragma: no cover
    from helpdesk_app.domain.actor import Actor

BULK_EDIT = "tickets.bulk_edit"  # change many tickets at once on the agent list
CONFIG_SLA = "config.sla"  # /admin/sla: calendars, contracts, ticket types, SLA targets
CONFIG_WORKFLOW = "config.workflow"  # /admin/workflow: statuses and transitions
REPORTS_VIEW = "reports.view"  # the SLA board and reports
USERS_MANAGE = "users.manage"  # /admin/users (organisations and accounts)
WORKTIME_MANAGE = "worktime.manage"  # log and correct anyone's work time (not locked)
WORKTIME_BILLING = "worktime.billing"  # lock invoiced entries ("billed"), contract rates

PERMISSIONS: tuple[str, ...] = (BULK_EDIT, CONFIG_SLA, CONFIG_WORKFLOW, REPORTS_VIEW,
                                USERS_MANAGE, WORKTIME_MANAGE, WORKTIME_BILLING)

BUILTIN: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.COORDINATOR: frozenset({BULK_EDIT, REPORTS_VIEW, WORKTIME_MANAGE}),
    Role.TECHNICIAN: frozenset({BULK_EDIT}),
    Role.CLIENT: frozenset(),
    Role.SUBCONTRACTOR: frozenset({REPORTS_VIEW}),  # their SLA board (see above)
}
# The built-in roles a custom role may extend (admins have everything; clients nothing).
BASE_ROLES: tuple[str, ...] = (Role.TECHNICIAN, Role.COORDINATOR)


def effective(actor: Actor) -> frozenset[str]:
    """Every permission the actor holds now."""
    if actor.role == Role.ADMIN:
        return BUILTIN[Role.ADMIN]
    if actor.permissions is None or actor.role not in BASE_ROLES:
        return BUILTIN.get(actor.role, frozenset())
    return actor.permissions


def has(actor: Actor, permission: str) -> bool:
    return permission in effective(actor)


def clean(keys: object) -> list[str]:
    """Known keys only, in vocabulary order (what a role stores)."""
    wanted = set(keys) if isinstance(keys, (list, tuple, set, frozenset)) else set()
    return [p for p in PERMISSIONS if p in wanted]
