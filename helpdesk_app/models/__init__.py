"""SQLModel tables only, one module per aggregate. Importing this registers them all."""

from helpdesk_app.models.account import AccountToken, AppSetting, TokenPurpose
from helpdesk_app.models.attachment import Attachment
from helpdesk_app.models.audit import AuditEvent, AuditRedaction
from helpdesk_app.models.calendar import BusinessCalendar, CalendarClosedDate, CalendarWindow
from helpdesk_app.models.checklist import (
    ChecklistTemplate,
    ChecklistTemplateItem,
    TicketChecklistItem,
)
from helpdesk_app.models.contract import (
    Contract,
    ContractContact,
    EscalationAction,
    TicketType,
    TicketTypeTarget,
)
from helpdesk_app.models.custom_field import (
    CustomField,
    FieldDependency,
    FieldOption,
    FieldPermission,
    FieldScope,
    FieldType,
    RequiredOn,
    TicketFieldChoice,
    TicketFieldValue,
)
from helpdesk_app.models.handover import ContractSubcontractor, Handover, HandoverState
from helpdesk_app.models.ldap_directory import LdapDirectory, LdapSecurity
from helpdesk_app.models.mail import (
    InboundMail,
    InboundStatus,
    MailChannel,
    MailSource,
    NotificationPreference,
    OutboundMail,
    OutboundStatus,
)
from helpdesk_app.models.notification import (
    AlertClock,
    AlertLevel,
    Notification,
    NotificationKind,
    SchedulerLock,
    SlaAlert,
)
from helpdesk_app.models.organisation import Organisation, OrganisationDomain, OrgKind
from helpdesk_app.models.queue import CustomRole, Queue, QueueMember
from helpdesk_app.models.security import (
    FactorKind,
    FailedLoginAlert,
    KnownDevice,
    PendingLogin,
    RecoveryCode,
    SecurityAlertSubscription,
    SecurityPolicy,
    UserFactor,
)
from helpdesk_app.models.status import (
    ContractStatus,
    SlaEffect,
    StatusCategory,
    StatusTransition,
    TicketStatus,
)
from helpdesk_app.models.substitution import (
    Substitution,
    SubstitutionState,
    SubstitutionTicket,
)
from helpdesk_app.models.ticket import Channel, Priority, Status, Ticket, TicketCounter
from helpdesk_app.models.ticket_seen import TicketSeen
from helpdesk_app.models.timeline import EventKind, TimelineEvent
from helpdesk_app.models.user import Role, User, UserSession
from helpdesk_app.models.worktime import ActivityType, ContractRate, WorkEntry, WorkTimer

__all__ = [
    "AccountToken",
    "ActivityType",
    "AlertClock",
    "AlertLevel",
    "AppSetting",
    "Attachment",
    "AuditEvent",
    "AuditRedaction",
    "BusinessCalendar",
    "CalendarClosedDate",
    "CalendarWindow",
    "Channel",
    "ChecklistTemplate",
    "ChecklistTemplateItem",
    "Contract",
    "ContractContact",
    "ContractRate",
    "ContractStatus",
    "ContractSubcontractor",
    "CustomField",
    "CustomRole",
    "EscalationAction",
    "EventKind",
    "FactorKind",
    "FailedLoginAlert",
    "FieldDependency",
    "FieldOption",
    "FieldPermission",
    "FieldScope",
    "FieldType",
    "Handover",
    "HandoverState",
    "InboundMail",
    "InboundStatus",
    "KnownDevice",
    "LdapDirectory",
    "LdapSecurity",
    "MailChannel",
    "MailSource",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OrgKind",
    "Organisation",
    "OrganisationDomain",
    "OutboundMail",
    "OutboundStatus",
    "PendingLogin",
    "Priority",
    "Queue",
    "QueueMember",
    "RecoveryCode",
    "RequiredOn",
    "Role",
    "SchedulerLock",
    "SecurityAlertSubscription",
    "SecurityPolicy",
    "SlaAlert",
    "SlaEffect",
    "Status",
    "StatusCategory",
    "StatusTransition",
    "Substitution",
    "SubstitutionState",
    "SubstitutionTicket",
    "Ticket",
    "TicketChecklistItem",
    "TicketCounter",
    "TicketFieldChoice",
    "TicketFieldValue",
    "TicketSeen",
    "TicketStatus",
    "TicketType",
    "TicketTypeTarget",
    "TimelineEvent",
    "TokenPurpose",
    "User",
    "UserFactor",
    "UserSession",
    "WorkEntry",
    "WorkTimer",
]
