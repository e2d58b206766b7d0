"""Who hears about what (domain/notification_dispatch.py), through the real ticket use
cases: recipients per event and role, role defaults, saved preferences and scopes, in-app
rows and outbox mail (parsed back from the stored bytes), the client's side (never
internal text), and SLA alerts from the sweep."""

from __future__ import annotations

import email
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import policy

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import notification_dispatch as dispatch
from helpdesk_app.domain import notification_settings as prefs
from helpdesk_app.domain import sla, sla_alerts, tickets
from helpdesk_app.domain.notification_settings import PrefInput
from helpdesk_app.models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboundMail,
    Role,
    Status,
    Ticket,
    TicketStatus,
    User,
)

K = NotificationKind
NOTE = "Internal: the client's admin password is hunter2"


# --------------------------------------------------------------------------- helpers


class Inbox:
    """What notify left behind: in-app rows and outbox mail, by user."""

    def __init__(self, db: Session, world) -> None:
        self.db, self.world = db, world
        self.names = {u.id: key for key, u in world.users.items()}

    def reset(self) -> None:
        for model in (Notification, OutboundMail):
            for row in self.db.exec(select(model)).all():
                self.db.delete(row)
        self.db.commit()

    def app(self) -> Counter:
        """(user key, kind) of every in-app notification."""
        return Counter((self.names.get(n.user_id, n.user_id), n.kind)
                       for n in self.db.exec(select(Notification)).all())

    def mail(self) -> Counter:
        return Counter((self.names.get(m.user_id, m.user_id), m.kind)
                       for m in self.db.exec(select(OutboundMail)).all())

    def mails(self, key: str | None = None) -> list[OutboundMail]:
        q = select(OutboundMail).order_by(col(OutboundMail.id))
        if key is not None:
            q = q.where(OutboundMail.user_id == self.world.users[key].id)
        return list(self.db.exec(q).all())

    def rows(self, key: str) -> list[Notification]:
        return list(self.db.exec(select(Notification).where(
            Notification.user_id == self.world.users[key].id)).all())


def text_of(mail: OutboundMail) -> str:
    """Subject and every text part of the stored message, decoded (not the raw transfer
    encoding, so a search for a phrase cannot miss it)."""
    msg = email.message_from_bytes(mail.raw, policy=policy.default)
    parts = [str(msg["Subject"])]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


@pytest.fixture
def inbox(db: Session, world) -> Inbox:
    return Inbox(db, world)


@pytest.fixture
def ticket(db: Session, world, make, inbox: Inbox) -> Ticket:
    """The plain client's ticket, assigned to the technician; nothing notified yet."""
    t = make.ticket(world.actor("client"), "Printer on fire", body="It smokes")
    v = tickets.update_ticket(db, world.actor("coordinator"), t.id, t.version,
                              {"assignee_id": world.users["technician"].id})
    assert v == 2
    inbox.reset()
    db.refresh(t)
    return t


def _set_language(db: Session, user: User, lang: str) -> None:
    user.language = lang
    db.add(user)
    db.commit()


# --------------------------------------------------------------------------- recipients


def test_new_ticket_reaches_staff_in_app_and_coordinators_by_mail(db, world, make, inbox):
    t = make.ticket(world.actor("client"), "VPN down", body="Since 8:00")
    assert inbox.app() == Counter({(k, K.NEW_TICKET): 1 for k in
                                   ("admin", "coordinator", "technician", "technician2")})
    assert inbox.mail() == Counter({("coordinator", K.NEW_TICKET): 1})
    [mail] = inbox.mails("coordinator")
    assert mail.ticket_id == t.id and mail.is_auto
    assert f"[#{t.number}]" in mail.subject and "Since 8:00" in text_of(mail)
    # The in-app row holds parameters only.
    assert inbox.rows("technician")[0].data == {"actor": "Carl Client"}

    # An agent opening a ticket for a client does not notify themselves.
    inbox.reset()
    make.ticket(world.actor("coordinator"), "Phone call", requester=world.users["client"])
    assert inbox.app() == Counter({(k, K.NEW_TICKET): 1 for k in
                                   ("admin", "technician", "technician2")})
    assert inbox.mail() == Counter()


def test_client_reply_reaches_the_assignee_or_else_the_coordinators(db, world, make, inbox,
                                                                    ticket):
    tickets.add_comment(db, world.actor("client"), ticket.id, "Still smoking", public=True)
    assert inbox.app() == Counter({("technician", K.PUBLIC_REPLY): 1})
    assert inbox.mail() == Counter({("technician", K.PUBLIC_REPLY): 1})
    assert "Still smoking" in text_of(inbox.mails("technician")[0])

    inbox.reset()
    unassigned = make.ticket(world.actor("colleague"), "Scanner")
    inbox.reset()
    tickets.add_comment(db, world.actor("colleague"), unassigned.id, "Any news?", public=True)
    assert inbox.app() == Counter({("coordinator", K.PUBLIC_REPLY): 1})
    assert inbox.mail() == Counter({("coordinator", K.PUBLIC_REPLY): 1})


def test_agent_reply_reaches_the_requester_only_in_their_language(db, world, inbox, ticket):
    _set_language(db, world.users["client"], "en")
    _set_language(db, world.users["technician"], "pl")
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Unplug it, please.",
                        public=True)
    # Not the actor, not the client's colleagues or manager, not other staff.
    assert inbox.app() == Counter({("client", K.PUBLIC_REPLY): 1})
    assert inbox.mail() == Counter({("client", K.PUBLIC_REPLY): 1})
    [mail] = inbox.mails("client")
    body = text_of(mail)
    assert "There is a new reply on ticket" in body and "Unplug it, please." in body
    assert "Tom Technician" in body
    # The agent's own message, not an automatic one; the link is the client's view.
    assert mail.is_auto is False
    msg = email.message_from_bytes(mail.raw, policy=policy.default)
    assert msg["Auto-Submitted"] is None
    assert f"{get_settings().base_url}/portal/tickets/{ticket.number}" in body

    # The same event for a Polish client is a Polish mail.
    inbox.reset()
    _set_language(db, world.users["client"], "pl")
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Jeszcze raz", public=True)
    assert "Nowa odpowiedź w zgłoszeniu" in text_of(inbox.mails("client")[0])


def test_internal_notes_never_reach_clients(db, world, inbox, ticket):
    # Even a stored row asking for them (written around save()) changes nothing.
    for key in ("client", "client-manager"):
        db.add(NotificationPreference(user_id=world.users[key].id, event=K.INTERNAL_NOTE,
                                      in_app=True, email=True))
    # The assignee wants notes by mail too.
    prefs.save(db, world.actor("technician"), world.users["technician"].id,
               [PrefInput(K.INTERNAL_NOTE, True, True)])
    tickets.add_comment(db, world.actor("technician2"), ticket.id, NOTE, public=False)
    assert inbox.app() == Counter({("technician", K.INTERNAL_NOTE): 1})
    assert inbox.mail() == Counter({("technician", K.INTERNAL_NOTE): 1})
    assert NOTE in text_of(inbox.mails("technician")[0])  # staff may read it
    for key in ("client", "client-manager", "colleague", "other-client"):
        assert inbox.rows(key) == []
    assert all(NOTE not in text_of(m) for m in inbox.mails() if m.user_id
               != world.users["technician"].id)
    assert all(NOTE not in str(n.data) for n in db.exec(select(Notification)).all())

    # The author of a note on their own ticket hears nothing.
    inbox.reset()
    tickets.add_comment(db, world.actor("technician"), ticket.id, NOTE, public=False)
    assert inbox.app() == Counter() and inbox.mail() == Counter()


def test_assignment_reaches_the_new_assignee(db, world, inbox, ticket):
    v = tickets.update_ticket(db, world.actor("coordinator"), ticket.id, ticket.version,
                              {"assignee_id": world.users["technician2"].id})
    assert inbox.app() == Counter({("technician2", K.ASSIGNMENT): 1})
    assert inbox.mail() == Counter({("technician2", K.ASSIGNMENT): 1})
    body = text_of(inbox.mails("technician2")[0])
    assert "Tina Technician" in body and "Cora Coordinator" in body
    assert f"/agent/tickets/{ticket.number}" in body

    # Taking a ticket yourself: nobody to tell (the client hears nothing of assignments).
    inbox.reset()
    tickets.update_ticket(db, world.actor("technician"), ticket.id, v,
                          {"assignee_id": world.users["technician"].id})
    assert inbox.app() == Counter() and inbox.mail() == Counter()


def test_one_change_one_message_per_person(db, world, inbox, ticket):
    # Assignee and status saved together: the new assignee hears of the assignment only,
    # the client (who hears nothing of assignments) of the status change.
    tickets.update_ticket(db, world.actor("coordinator"), ticket.id, ticket.version,
                          {"assignee_id": world.users["technician2"].id,
                           "status": Status.PENDING})
    assert inbox.app() == Counter({("technician2", K.ASSIGNMENT): 1,
                                   ("client", K.STATUS_CHANGE): 1})
    assert inbox.mail() == Counter({("technician2", K.ASSIGNMENT): 1})


def test_status_changes_and_closing(db, world, inbox, ticket):
    coordinator = world.actor("coordinator")
    v = tickets.update_ticket(db, coordinator, ticket.id, ticket.version,
                              {"status": Status.PENDING})
    # Defaults: in the app only, for the assignee and the requester.
    assert inbox.app() == Counter({("technician", K.STATUS_CHANGE): 1,
                                   ("client", K.STATUS_CHANGE): 1})
    assert inbox.mail() == Counter()
    [row] = inbox.rows("client")
    assert row.data == {"actor": "Cora Coordinator", "old": Status.NEW, "new": Status.PENDING}

    # Entering a resolving status is "closed" for the client: mail by default.
    inbox.reset()
    v = tickets.update_ticket(db, coordinator, ticket.id, v, {"status": Status.RESOLVED})
    assert inbox.app() == Counter({("technician", K.STATUS_CHANGE): 1,
                                   ("client", K.TICKET_CLOSED): 1})
    assert inbox.mail() == Counter({("client", K.TICKET_CLOSED): 1})
    assert "zostało zamknięte" in text_of(inbox.mails("client")[0])  # a Polish client

    # Resolved → closed: the client heard "done" already; a plain status change now.
    inbox.reset()
    tickets.update_ticket(db, coordinator, ticket.id, v, {"status": Status.CLOSED})
    assert inbox.app() == Counter({("technician", K.STATUS_CHANGE): 1,
                                   ("client", K.STATUS_CHANGE): 1})
    assert inbox.mail() == Counter()


def test_client_mail_shows_the_public_status_label(db, world, inbox, ticket):
    hidden = db.get(TicketStatus, Status.PENDING)
    hidden.client_visible, hidden.client_label_en = False, "With us"
    db.add(hidden)
    db.commit()
    _set_language(db, world.users["client"], "en")
    _set_language(db, world.users["technician"], "en")
    prefs.save(db, world.actor("client"), world.users["client"].id,
               [PrefInput(K.STATUS_CHANGE, True, True)])
    prefs.save(db, world.actor("technician"), world.users["technician"].id,
               [PrefInput(K.STATUS_CHANGE, True, True)])
    tickets.update_ticket(db, world.actor("coordinator"), ticket.id, ticket.version,
                          {"status": Status.PENDING})
    client_mail = text_of(inbox.mails("client")[0])
    assert "New status: With us" in client_mail and "Waiting for client" not in client_mail
    assert "New status: Waiting for client" in text_of(inbox.mails("technician")[0])


# --------------------------------------------------------------------------- preferences


def test_saved_preferences_turn_channels_off(db, world, inbox, ticket):
    tech = world.users["technician"]
    prefs.save(db, world.actor("technician"), tech.id,
               [PrefInput(K.PUBLIC_REPLY, in_app=True, email=False)])
    tickets.add_comment(db, world.actor("client"), ticket.id, "One", public=True)
    assert inbox.app() == Counter({("technician", K.PUBLIC_REPLY): 1})
    assert inbox.mail() == Counter()  # mail off: no outbox row

    inbox.reset()
    prefs.save(db, world.actor("technician"), tech.id,
               [PrefInput(K.PUBLIC_REPLY, in_app=False, email=True)])
    tickets.add_comment(db, world.actor("client"), ticket.id, "Two", public=True)
    assert inbox.app() == Counter()  # in-app off: no notification row
    assert inbox.mail() == Counter({("technician", K.PUBLIC_REPLY): 1})

    inbox.reset()
    prefs.save(db, world.actor("client"), world.users["client"].id,
               [PrefInput(K.PUBLIC_REPLY, in_app=False, email=False)])
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Three", public=True)
    # No reply notice; the status change the first answer brought (new → open) is still
    # news to them, as they were not told of the reply.
    assert inbox.app() == Counter({("client", K.STATUS_CHANGE): 1})
    assert inbox.mail() == Counter()


def test_scopes_narrow_what_a_user_hears(db, world, make, inbox):
    gold = make.contract_24x7(world.org_b.id, "Gold B")
    tech2 = world.users["technician2"]
    actor = world.actor("technician2")
    prefs.save(db, actor, tech2.id, [PrefInput(K.NEW_TICKET, True, False,
                                               organisation_ids=[world.org_b.id])])
    make.ticket(world.actor("client"), "Org A")
    make.ticket(world.actor("other-client"), "Org B")
    assert [n.data for n in inbox.rows("technician2")] == [{"actor": "Olga Other"}]

    inbox.reset()
    prefs.save(db, actor, tech2.id, [PrefInput(K.NEW_TICKET, True, False,
                                               queue_ids=[world.queue2.id])])
    make.ticket(world.actor("other-client"), "Default queue")
    assert inbox.rows("technician2") == []
    make.ticket(world.actor("coordinator"), "Network queue", requester=world.users["client"],
                queue_id=world.queue2.id)
    assert len(inbox.rows("technician2")) == 1

    inbox.reset()
    prefs.save(db, actor, tech2.id, [PrefInput(K.NEW_TICKET, True, True,
                                               contract_ids=[gold.id])])
    make.ticket(world.actor("client"), "No contract")
    assert inbox.rows("technician2") == [] and inbox.mails("technician2") == []
    t = make.ticket(world.actor("other-client"), "Under Gold")
    assert t.contract_id == gold.id
    assert len(inbox.rows("technician2")) == 1 and len(inbox.mails("technician2")) == 1


# --------------------------------------------------------------------------- who never hears


def test_clients_of_other_organisations_and_inactive_users_hear_nothing(db, world, make,
                                                                        inbox, ticket):
    actor = world.actor("coordinator")
    v = tickets.update_ticket(db, actor, ticket.id, ticket.version, {"status": Status.OPEN})
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Public", public=True)
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Note", public=False)
    tickets.add_comment(db, world.actor("client"), ticket.id, "Answer", public=True)
    tickets.update_ticket(db, actor, ticket.id, v, {"status": Status.RESOLVED})
    other = world.users["other-client"].id
    assert inbox.rows("other-client") == [] and inbox.mails("other-client") == []
    assert db.exec(select(OutboundMail).where(OutboundMail.user_id == other)).all() == []

    # An inactive assignee hears nothing either.
    inbox.reset()
    tech = world.users["technician"]
    tech.is_active = False
    db.add(tech)
    db.commit()
    tickets.add_comment(db, world.actor("client"), ticket.id, "Hello?", public=True)
    assert inbox.app() == Counter() and inbox.mail() == Counter()


def test_a_client_who_cannot_see_the_ticket_is_skipped(db, world, make, inbox, ticket):
    # A requester who (now) belongs to another organisation as its client manager cannot
    # see the ticket any more: the access policy is asked, not the requester column.
    client = world.users["client"]
    client.organisation_id, client.is_client_manager = world.org_b.id, True
    db.add(client)
    db.commit()
    tickets.add_comment(db, world.actor("technician"), ticket.id, "Answer", public=True)
    assert inbox.app() == Counter() and inbox.mail() == Counter()


def test_queries_do_not_grow_with_the_number_of_recipients(db, world, make, inbox):
    def statements_for_new_ticket() -> int:
        seen: list[str] = []
        bind = db.get_bind()
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        t = make.ticket(world.actor("client"), "Counting")
        inbox.reset()
        sa_event.listen(bind, "before_cursor_execute", listener)
        try:
            dispatch.ticket_event(db, world.actor("client"), t, K.NEW_TICKET, now=t.created_at)
        finally:
            sa_event.remove(bind, "before_cursor_execute", listener)
        db.rollback()
        return len(seen)

    few = statements_for_new_ticket()
    for _ in range(10):
        user = make.user(world.provider, Role.TECHNICIAN)
        db.add(NotificationPreference(user_id=user.id, event=K.NEW_TICKET, email=False))
    db.commit()
    assert statements_for_new_ticket() == few


# --------------------------------------------------------------------------- mail context


def test_mail_context(db, world, ticket, monkeypatch):
    monkeypatch.setenv("POMOCNIK_BASE_URL", "https://help.example.com/")
    get_settings.cache_clear()
    hidden = db.get(TicketStatus, ticket.status)
    hidden.client_visible, hidden.client_label_pl = False, "Przyjęte"
    db.add(hidden)
    db.commit()
    tech, client = world.users["technician"], world.users["client"]
    tech.timezone, tech.language = "America/New_York", "en"
    due = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)

    ctx = dispatch.mail_context(db, ticket, tech, due_at=due, clock="Reaction", empty=None)
    assert ctx["ticket_url"] == f"https://help.example.com/agent/tickets/{ticket.number}"
    assert ctx["portal_url"] == "https://help.example.com/portal"
    assert (ctx["number"], ctx["subject"]) == (ticket.number, "Printer on fire")
    assert ctx["recipient_name"] == "Tom Technician" and ctx["status"] == "New"
    assert "06:00" in ctx["due_at"] and ctx["clock"] == "Reaction" and ctx["empty"] == ""

    ctx = dispatch.mail_context(db, ticket, client, due_at=due)
    assert ctx["ticket_url"] == f"https://help.example.com/portal/tickets/{ticket.number}"
    assert ctx["status"] == "Przyjęte"  # the public label, in Polish
    assert ctx["due_at"] == "1.07.2026, 12:00"  # Warsaw, Polish format


# --------------------------------------------------------------------------- answers to mail


def test_auto_reply_answers_the_requesters_message(db, world, ticket, inbox, monkeypatch):
    """The pipeline's auto-reply to a new mail ticket goes through notify like every
    other mail: the requester's language and link, threaded to their message, sent from
    the address they wrote to, automatic (RFC 3834) and capped per address."""
    monkeypatch.setenv("POMOCNIK_MAIL_AUTO_REPLY_CAP", "1")
    get_settings.cache_clear()
    client = world.users["client"]
    _set_language(db, client, "en")
    assert dispatch.auto_reply(db, ticket, client, in_reply_to="<m1@client.example>",
                             from_addr="serwis@pomocnik.test") == 1
    [mail] = inbox.mails("client")
    assert (mail.kind, mail.is_auto, mail.ticket_id, mail.to_addr) == (
        dispatch.AUTO_REPLY, True, ticket.id, client.email)
    msg = email.message_from_bytes(mail.raw, policy=policy.default)
    assert (msg["In-Reply-To"], msg["Auto-Submitted"]) == ("<m1@client.example>",
                                                           "auto-replied")
    assert "serwis@pomocnik.test" in str(msg["From"])
    text = text_of(mail)
    assert f"[#{ticket.number}]" in text and "/portal" in text and "Printer on fire" in text
    # the per-address cap holds for it as for every automatic mail to the outside
    assert dispatch.auto_reply(db, ticket, client, in_reply_to="<m2@client.example>") == 0
    assert len(inbox.mails("client")) == 1
    assert inbox.app() == Counter()  # an answer to mail, not an in-app notification


def test_rejected_answers_the_unknown_senders_message(db, inbox):
    assert dispatch.rejected(db, to_addr="Stranger@Elsewhere.test", language="en",
                           recipient_name="Stranger", original_subject="Offer",
                           in_reply_to="<x1@elsewhere.test>") == 1
    [mail] = inbox.mails()
    assert (mail.kind, mail.is_auto, mail.ticket_id, mail.user_id, mail.to_addr) == (
        dispatch.REJECTED, True, None, None, "stranger@elsewhere.test")
    msg = email.message_from_bytes(mail.raw, policy=policy.default)
    assert (msg["In-Reply-To"], msg["Auto-Submitted"]) == ("<x1@elsewhere.test>",
                                                           "auto-replied")
    assert "Offer" in str(msg["Subject"])


# --------------------------------------------------------------------------- SLA sweep


def sweep(db, now, **kw):
    """The sweep with a day of grace: these tests jump hours to cross several points in
    one sweep, and every point they cross is meant as news (the grace has its own tests
    in test_sla_sweep.py)."""
    return sla_alerts.sweep(db, now, grace=timedelta(days=1), **kw)



T0 = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def test_sla_sweep_notifies_per_preferences(db, world, make, inbox):
    make.contract_24x7(world.org_a.id, "Gold A")
    _set_language(db, world.users["technician"], "en")
    t = make.ticket(world.actor("client"), "Server down")
    t.created_at, t.assignee_id = T0, world.users["technician"].id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, T0)
    db.commit()
    inbox.reset()

    r = sweep(db, T0 + timedelta(minutes=46))  # reaction warning: in the app only
    assert (r.warnings, r.breaches, r.mails) == (1, 0, 0)
    assert inbox.app() == Counter({("technician", K.SLA_WARNING): 1,
                                   ("coordinator", K.SLA_WARNING): 1})
    assert inbox.mail() == Counter()

    inbox.reset()
    r = sweep(db, T0 + timedelta(minutes=61))  # reaction breach: in the app and by mail
    assert (r.breaches, r.mails) == (1, 2)
    assert inbox.app() == Counter({("technician", K.SLA_BREACH): 1,
                                   ("coordinator", K.SLA_BREACH): 1})
    assert inbox.mail() == Counter({("technician", K.SLA_BREACH): 1,
                                    ("coordinator", K.SLA_BREACH): 1})
    body = text_of(inbox.mails("technician")[0])
    assert "SLA breached" in body and "Reaction" in body and "Tom Technician" in body
    assert "Przekroczenie SLA" in text_of(inbox.mails("coordinator")[0])

    # The technician turns breach mail off; the coordinator narrows to another queue.
    inbox.reset()
    prefs.save(db, world.actor("technician"), world.users["technician"].id,
               [PrefInput(K.SLA_BREACH, True, False)])
    prefs.save(db, world.actor("coordinator"), world.users["coordinator"].id,
               [PrefInput(K.SLA_BREACH, True, True, queue_ids=[world.queue2.id])])
    r = sweep(db, T0 + timedelta(minutes=241))  # resolution warning and breach
    assert (r.warnings, r.breaches, r.mails) == (1, 1, 0)
    assert inbox.app() == Counter({("technician", K.SLA_WARNING): 1,
                                   ("coordinator", K.SLA_WARNING): 1,
                                   ("technician", K.SLA_BREACH): 1})
    assert inbox.mail() == Counter()


def test_points_crossed_in_one_sweep_make_one_mail_per_recipient(db, world, make, inbox):
    """The scheduler was away: reaction warning (+45'), reaction breach (+60') and
    resolution warning (+180') are all found by one sweep. Everyone still gets an in-app
    notification per point, but one mail per ticket and recipient, listing what they
    asked to hear by mail."""
    make.contract_24x7(world.org_a.id, "Gold A")
    _set_language(db, world.users["technician"], "en")
    coordinator = world.users["coordinator"]
    prefs.save(db, world.actor("coordinator"), coordinator.id,
               [PrefInput(K.SLA_WARNING, True, True), PrefInput(K.SLA_BREACH, True, True)])
    t = make.ticket(world.actor("client"), "Server down")
    t.created_at, t.assignee_id = T0, world.users["technician"].id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, T0)
    db.commit()
    inbox.reset()

    r = sweep(db, T0 + timedelta(minutes=200))
    assert (r.warnings, r.breaches, r.mails) == (2, 1, 2)
    assert inbox.app() == Counter({("technician", K.SLA_WARNING): 2,
                                   ("technician", K.SLA_BREACH): 1,
                                   ("coordinator", K.SLA_WARNING): 2,
                                   ("coordinator", K.SLA_BREACH): 1})
    # The outbox kind is the most serious point's.
    assert inbox.mail() == Counter({("technician", K.SLA_BREACH): 1,
                                    ("coordinator", K.SLA_BREACH): 1})

    # The coordinator wanted all three by mail: one mail lists them (Polish, in order).
    [mail] = inbox.mails("coordinator")
    body = text_of(mail)
    points = [line for line in body.splitlines() if line.startswith("- ")]
    assert len(points) == 3, body
    assert "Przekroczenie SLA" in body and t.number in mail.subject
    # each with its deadline, in the recipient's time zone (Warsaw: UTC+1 in March)
    assert points[0] == "- Reakcja: zbliża się termin – 16.03.2026, 11:00"
    assert points[1] == "- Reakcja: termin upłynął – 16.03.2026, 11:00"
    assert points[2] == "- Rozwiązanie: zbliża się termin – 16.03.2026, 14:00"
    # The technician's default is breaches only by mail: one point, the one-point mail.
    [mail] = inbox.mails("technician")
    body = text_of(mail)
    assert "SLA breached" in body and "Reaction" in body
    assert not [line for line in body.splitlines() if line.startswith("- ")]

    # Both mails are about the ticket, but our mail to one recipient is never referenced
    # in mail to another: its Message-ID holds that recipient's reply token (mail identity).
    first, second = inbox.mails()
    assert first.message_id not in second.raw.decode("ascii", "replace")

    # The next point is a mail of its own; nothing is mailed twice.
    inbox.reset()
    r = sweep(db, T0 + timedelta(minutes=241))
    assert (r.warnings, r.breaches, r.mails) == (0, 1, 2)
    assert inbox.mail() == Counter({("technician", K.SLA_BREACH): 1,
                                    ("coordinator", K.SLA_BREACH): 1})
    assert "Przekroczono termin SLA" in text_of(inbox.mails("coordinator")[0])
    assert sweep(db, T0 + timedelta(minutes=300)).mails == 0


def test_a_refused_sla_mail_leaves_the_in_app_notice(db, world, make, inbox):
    """An address the outbox refuses: no mail, no failure, the in-app notice stays."""
    make.contract_24x7(world.org_a.id, "Gold A")
    tech = world.users["technician"]
    tech.email = "not an address"
    db.add(tech)
    db.commit()
    t = make.ticket(world.actor("client"), "Server down")
    t.created_at, t.assignee_id = T0, tech.id
    db.add(t)
    db.commit()
    sla.recompute_ticket(db, t.id, T0)
    db.commit()
    inbox.reset()
    r = sweep(db, T0 + timedelta(minutes=300))
    assert r.failed == [] and r.breaches == 2
    assert inbox.mail() == Counter({("coordinator", K.SLA_BREACH): 1})
    assert inbox.app()[("technician", K.SLA_BREACH)] == 2
