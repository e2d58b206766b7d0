"""SQLModel tables only, one module per aggregate. Importing this registers them all."""

from helpdesk_app.models.attachment import Attachment
from helpdesk_app.models.organisation import Organisation, OrgKind
from helpdesk_app.models.queue import Queue
from helpdesk_app.models.ticket import Channel, Priority, Status, Ticket, TicketCounter
from helpdesk_app.models.timeline import EventKind, TimelineEvent
from helpdesk_app.models.user import Role, User, UserSession

__all__ = [
    "Attachment",
    "Channel",
    "EventKind",
    "OrgKind",
    "Organisation",
    "Priority",
    "Queue",
    "Role",
    "Status",
    "Ticket",
    "TicketCounter",
    "TimelineEvent",
    "User",
    "UserSession",
]
