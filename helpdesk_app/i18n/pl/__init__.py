"""Polish catalog, one module per area. Keys are shared with the other language's
package (a test keeps them in step); a key defined in two areas is an error at import."""

from helpdesk_app.i18n.merge import merge
from helpdesk_app.i18n.pl import (
    accounts,
    audit,
    core,
    directory_admin,
    ldap_privacy,
    mail,
    mail_identity,
    notifications,
    queues_roles,
    reports,
    reports_ui,
    signin_security,
    sla,
    subcontractors,
    substitutions,
    worktime,
    worktime_admin,
    worktime_entries,
)

CATALOG: dict[str, str] = merge(core, sla, notifications, mail, accounts, audit,
                                directory_admin, ldap_privacy, mail_identity, queues_roles, reports,
                                reports_ui,
                                signin_security, subcontractors, substitutions, worktime,
                                worktime_admin, worktime_entries)
