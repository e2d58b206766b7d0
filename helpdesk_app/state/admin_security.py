"""/admin/security: which roles must use a second factor, resetting a user's factors (lost
phone), and the admin's own subscription to every user's login alerts."""

from __future__ import annotations

import dataclasses

from helpdesk_app import routes
from helpdesk_app.domain import login_alerts, two_factor
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Role
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler


@dataclasses.dataclass
class RoleRow:
    role: str = ""
    label: str = ""
    required: bool = False


class AdminSecurityState(SessionState):
    error: str = ""
    info: str = ""
    roles: list[RoleRow] = []
    subscribed: bool = False
    loaded: bool = False

    def _load(self, db, actor: Actor) -> None:
        required = two_factor.required_roles(db)
        self.roles = [RoleRow(r, self._t(f"signin.role.{r}"), r in required) for r in Role.ALL]
        self.subscribed = login_alerts.is_subscribed(db, actor)
        self.loaded = True

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        self.error, self.info = "", ""
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def set_required(self, db, actor: Actor, role: str, on: bool):
        self.error, self.info = "", ""
        two_factor.set_role_required(db, actor, str(role), bool(on))
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def set_subscribed(self, db, actor: Actor, on: bool):
        self.error, self.info = "", ""
        login_alerts.set_admin_subscription(db, actor, bool(on))
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def reset_factors(self, db, actor: Actor, form: dict):
        self.error, self.info = "", ""
        user = two_factor.admin_reset_factors(db, actor, str(form.get("email", "")))
        self.info = self._t("signin.factors_reset", email=user.email)
