"""What the reports page's filter bar offers (issue 14), and the filter as typed there:
days in the person's own format become the URL's ISO dates (domain/reports_common)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlmodel import Session, col, select

from helpdesk_app.domain import access, dates, reports_common
from helpdesk_app.domain.actor import Actor
from helpdesk_app.i18n import t
from helpdesk_app.models import (
    Channel,
    Contract,
    Organisation,
    OrgKind,
    Priority,
    Queue,
    Role,
    TicketType,
    User,
)

# the filter bar's names -> ReportFilter fields and URL parameters
FILTER_FIELDS = {"organisation": "organisation_id", "contract": "contract_id",
                 "queue": "queue_id", "type": "ticket_type_id", "priority": "priority",
                 "channel": "channel", "person": "person_id"}
URL_PARAMS = {"organisation": "org", "contract": "contract", "queue": "queue",
              "type": "type", "priority": "priority", "channel": "channel",
              "person": "person"}


def filter_options(db: Session, actor: Actor, lang: str) -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices of each filter, for someone who may see reports."""
    reports_common.require_reports(actor)
    orgs = db.exec(select(Organisation.id, Organisation.name)
                   .where(Organisation.kind == OrgKind.CLIENT)
                   .order_by(col(Organisation.name))).all()
    contracts = db.exec(select(Contract.id, Contract.name).order_by(col(Contract.name))).all()
    queues = db.exec(select(Queue.id, Queue.name).where(access.queue_scope(actor))
                     .order_by(col(Queue.position), col(Queue.name))).all()
    types = db.exec(select(TicketType.id, TicketType.name_pl, TicketType.name_en,
                           Contract.name)
                    .join(Contract, col(Contract.id) == col(TicketType.contract_id))
                    .order_by(col(Contract.name), col(TicketType.id))).all()
    people = db.exec(select(User.id, User.full_name)
                     .where(col(User.role).in_((*Role.STAFF, Role.SUBCONTRACTOR)),
                            col(User.is_active).is_(True))
                     .order_by(col(User.full_name))).all()
    return {
        "organisation": [(str(i), n) for i, n in orgs],
        "contract": [(str(i), n) for i, n in contracts],
        "queue": [(str(i), n) for i, n in queues],
        "type": [(str(i), f"{c} — {pl if lang == 'pl' else en}") for i, pl, en, c in types],
        "priority": [(str(p), t(f"priority.{p}", lang)) for p in Priority.ALL],
        "channel": [(c, t(f"channel.{c}", lang)) for c in Channel.ALL],
        "person": [(str(i), n) for i, n in people],
        "grain": [(g, t(f"reports.col.{g}", lang)) for g in reports_common.GRAINS],
    }


def from_form(values: Mapping[str, str], today: date) -> reports_common.ReportFilter:
    """The filter bar's values (days as typed: "31.12.2026", "31/12/2026" or ISO) as a
    ReportFilter; Invalid with the first problem's key."""
    query: dict[str, str] = {}
    for name in ("from", "to"):
        day = dates.parse_day(values.get(name, ""))
        if day is not None:
            query[name] = day.isoformat()
    if values.get("grain"):
        query["grain"] = values["grain"]
    for name, param in URL_PARAMS.items():
        if values.get(name):
            query[param] = values[name]
    return reports_common.ReportFilter.from_query(query, today)
