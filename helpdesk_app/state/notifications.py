"""In-app notifications: the bell's unread counter (every logged-in page, staff and
clients) and the list pages (/agent/notifications, /portal/notifications).

The bell is part of the shell, not of a page, so it keeps its own live watch (slot
"bell" in state/live.py) next to the page's: its `on_mount` calls `start`, which checks
the session and watches the topic of the logged-in user ("user:N", from the session,
never from the browser). A list page also registers this state as its page watch; both
watches refresh this state once per burst of changes.

Reads and writes go through domain/inapp_notifications.py: a user only ever sees and marks
their own notifications, about tickets they may still see.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import inapp_notifications, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.live.bus import Change, user_topic
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work

BELL = "bell"  # the bell's watch slot, beside the page's
LIST_SIZE = 20


@dataclasses.dataclass
class NotificationItem:
    id: int = 0
    kind: str = ""
    text: str = ""
    number: str = ""
    href: str = ""
    created: str = ""
    read: bool = False


class NotificationState(SessionState):
    unread: int = 0  # capped at COUNT_CAP + 1 by the domain: shown as "99+"
    items: list[NotificationItem] = []
    loaded: bool = False
    refreshed: int = 0  # bumps on every live refresh (lets tests see liveness)
    _labels: dict[str, str] = {}  # status key -> name for this viewer (list texts)

    @rx.var
    def unread_label(self) -> str:
        cap = inapp_notifications.COUNT_CAP
        return f"{cap}+" if self.unread > cap else str(self.unread)

    # ---- helpers

    def _load_count(self, db, actor: Actor) -> None:
        self.unread = inapp_notifications.unread_count(db, actor)

    def _load_list(self, db, actor: Actor) -> None:
        # Clients read the public names of statuses hidden from them.
        self._labels = workflow.labels_for(db, self.ui_lang, actor)
        self.items = [self._item(n, staff=actor.is_agent) for n in
                      inapp_notifications.list_notifications(db, actor, limit=LIST_SIZE)]
        self.loaded = True

    def _item(self, n: inapp_notifications.NotificationView, *, staff: bool) -> NotificationItem:
        return NotificationItem(
            id=n.id, kind=n.kind, text=self._text(n), number=n.ticket_number,
            href=routes.ticket_page(n.ticket_number, staff=staff) if n.ticket_number else "",
            created=self._dt(n.created_at), read=n.read)

    def _status(self, key) -> str:
        if not key:
            return ""
        return self._labels.get(str(key)) or self._t(f"status.{key}")

    def _text(self, n: inapp_notifications.NotificationView) -> str:
        """The message from the catalog, in the user's language and time zone (the row
        holds only parameters, never text)."""
        clock = str(n.data.get("clock") or "")
        text = self._t(f"notification.{n.kind}", number=n.ticket_number,
                       clock=self._t(f"sla.clock.{clock}") if clock else "",
                       due=self._dt(_instant(n.data.get("due_at"))),
                       actor=str(n.data.get("actor") or self._t("event.system")),
                       organisation=str(n.data.get("organisation") or ""),
                       old=self._status(n.data.get("old")), new=self._status(n.data.get("new")))
        behalf = str(n.data.get("for") or "")  # a substitute's copy (issue 13)
        return self._t("notification.on_behalf", text=text, name=behalf) if behalf else text

    def _clear(self) -> None:
        self.unread, self.items, self.loaded = 0, [], False

    # ---- events

    @rx.event
    def start(self):
        """The bell mounted (on every logged-in page): count, and watch this user's topic.

        Not a checked handler: a bell whose session is gone empties itself quietly (the
        page it sits on sends the visitor to the login page)."""
        with unit_of_work(self) as (db, actor):
            if actor is None:
                self._clear()
                live.unwatch(self, slot=BELL)
                return
            self._load_count(db, actor)
        live.watch(self, {user_topic(actor.user_id)}, public_only=False, slot=BELL)

    def _open_list(self, db, actor: Actor, *, staff_page: bool):
        """Open the list page (staff: /agent/notifications, clients:
        /portal/notifications); each side is sent to its own page."""
        self.loaded = False
        if actor.is_agent != staff_page:  # staff and subcontractors: the agent side
            live.unwatch(self)
            return rx.redirect(routes.AGENT_NOTIFICATIONS if actor.is_agent else routes.PORTAL)
        self._load_count(db, actor)
        self._load_list(db, actor)
        live.watch(self, {user_topic(actor.user_id)}, public_only=False)
        return None

    @handler(roles=routes.ANYONE)
    def on_load(self, db, actor: Actor):
        """/agent/notifications."""
        return self._open_list(db, actor, staff_page=True)

    @handler(roles=routes.ANYONE)
    def on_load_portal(self, db, actor: Actor):
        """/portal/notifications: the same list for clients."""
        return self._open_list(db, actor, staff_page=False)

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None:
                self._clear()
                return
            self._load_count(db, actor)
            if live.watching(self):  # the list page is the one open in this tab
                self._load_list(db, actor)
        self.refreshed += 1

    @handler(roles=routes.ANYONE)
    def mark_read(self, db, actor: Actor, notification_id: int | str):
        try:
            wanted = int(notification_id)
        except (TypeError, ValueError):
            return
        self._mark(db, actor, [wanted])

    @handler(roles=routes.ANYONE)
    def mark_all_read(self, db, actor: Actor):
        self._mark(db, actor, None)

    def _mark(self, db, actor: Actor, ids: list[int] | None) -> None:
        # The domain only touches the actor's own unread rows, whatever ids arrive.
        inapp_notifications.mark_read(db, actor, utcnow(), ids)
        self._load_count(db, actor)
        if self.loaded:
            self._load_list(db, actor)


def _instant(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
