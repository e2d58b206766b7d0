"""English catalog, one module per area. Keys are shared with the other language's
package (a test keeps them in step); a key defined in two areas is an error at import."""

from helpdesk_app.i18n.en import core, mail, mail_identity, notifications, sla
from helpdesk_app.i18n.merge import merge

CATALOG: dict[str, str] = merge(core, sla, notifications, mail,
                                 mail_identity)  # mail_identity: issue 12, mail identity
