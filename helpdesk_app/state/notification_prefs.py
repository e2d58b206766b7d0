"""/settings/notifications: which events a user hears of, in the app and by e-mail, and
(staff) for which organisations, contracts and queues.

Always the logged-in user's own preferences: the user id comes from the session, never
from the browser, and `notification_settings.save` checks the actor again.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import notification_settings
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.models import User
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

CHANNELS = ("in_app", "email")
SCOPES = ("org_ids", "contract_ids", "queue_ids")


@dataclasses.dataclass
class PrefRow:
    event: str = ""
    label: str = ""
    hint: str = ""
    in_app: bool = True
    email: bool = True


class NotificationPrefsState(SessionState):
    rows: list[PrefRow] = []
    org_opts: list[Opt] = []
    contract_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    # one scope for every event (empty: all); ids as text, as the checkboxes carry them
    org_ids: list[str] = []
    contract_ids: list[str] = []
    queue_ids: list[str] = []
    error: str = ""
    loaded: bool = False

    def _load(self, db, actor: Actor) -> None:
        user = db.get(User, actor.user_id)
        views = notification_settings.effective(db, user)
        audience = ("staff" if actor.is_staff
                    else "subcontractor" if actor.is_subcontractor else "client")
        self.rows = [PrefRow(
            event=v.event,
            label=self._t(f"notification_prefs.event.{v.event}"),
            hint=self._t(f"notification_prefs.{audience}_hint.{v.event}"),
            in_app=v.in_app, email=v.email) for v in views]
        if actor.is_staff:
            options = notification_settings.scope_options(db, actor)
            self.org_opts = [Opt(str(o.id), o.label) for o in options.organisations]
            self.contract_opts = [Opt(str(o.id), o.label) for o in options.contracts]
            self.queue_opts = [Opt(str(o.id), o.label) for o in options.queues]
            # The page saves one scope for all events; show the first one stored.
            scoped = next((v for v in views
                           if v.organisation_ids or v.contract_ids or v.queue_ids), None)
            self.org_ids = [str(i) for i in scoped.organisation_ids] if scoped else []
            self.contract_ids = [str(i) for i in scoped.contract_ids] if scoped else []
            self.queue_ids = [str(i) for i in scoped.queue_ids] if scoped else []
        else:
            self.org_opts, self.contract_opts, self.queue_opts = [], [], []
            self.org_ids, self.contract_ids, self.queue_ids = [], [], []
        self.loaded = True

    @handler(roles=routes.ANYONE)
    def on_load(self, db, actor: Actor):
        live.unwatch(self)
        self.error, self.loaded = "", False
        self._load(db, actor)

    @rx.event
    def toggle(self, event: str, channel: str, value: bool):
        if channel not in CHANNELS:
            return
        self.rows = [dataclasses.replace(r, **{channel: bool(value)}) if r.event == event else r
                     for r in self.rows]

    @rx.event
    def toggle_scope(self, scope: str, value: str, on: bool):
        if scope not in SCOPES:
            return
        chosen = [v for v in getattr(self, scope) if v != str(value)]
        setattr(self, scope, [*chosen, str(value)] if on else chosen)

    @handler(roles=routes.ANYONE)
    def save(self, db, actor: Actor):
        try:
            # Clients have no scope: they hear only of their own tickets.
            ids = {name: [int(v) for v in getattr(self, name) if str(v).isdigit()]
                   if actor.is_staff else [] for name in SCOPES}
            notification_settings.save(db, actor, actor.user_id, [
                notification_settings.PrefInput(
                    r.event, r.in_app, r.email, organisation_ids=ids["org_ids"],
                    contract_ids=ids["contract_ids"], queue_ids=ids["queue_ids"])
                for r in self.rows])
        except DomainError as e:  # as a toast too (the toolkit would only set `error`)
            db.rollback()
            self.error = self._err(e)
            return rx.toast.error(self.error)
        self.error = ""
        self._load(db, actor)  # what was stored
        return rx.toast.success(self._t("notification_prefs.saved"))
