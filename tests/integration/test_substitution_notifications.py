"""Notifications during a substitution (issue 13): what is meant for the absent person
reaches the substitute (in the app and by mail, marked "for X"), by the absent person's
preferences; the absent person keeps a copy only when asked; chains; no double copies;
SLA alerts from the sweep; escalation's least-busy coordinator skips people who are away;
and the substitute's mail reply lands on the ticket only during the substitution."""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta
from email import policy

import pytest
from sqlmodel import col, select
from substitution_support import HOUR, loaded, plan, real_now

from helpdesk_app.domain import escalation, sla, sla_alerts, substitutions, tickets
from helpdesk_app.domain import notification_settings as prefs
from helpdesk_app.domain.notification_settings import PrefInput
from helpdesk_app.i18n import t
from helpdesk_app.models import (
    Contract,
    EscalationAction,
    EventKind,
    InboundStatus,
    Notification,
    NotificationKind,
    OutboundMail,
    Role,
    Ticket,
    TimelineEvent,
)
from tests.mail_support import message

K = NotificationKind


class Inbox:
    def __init__(self, db, world) -> None:
        self.db, self.names = db, {u.id: k for k, u in world.users.items()}

    def reset(self) -> None:
        for model in (Notification, OutboundMail):
            for row in self.db.exec(select(model)).all():
                self.db.delete(row)
        self.db.commit()

    def app(self) -> Counter:
        """(user key, kind, on behalf of) of every in-app notification."""
        return Counter((self.names.get(n.user_id, n.user_id), n.kind, n.data.get("for"))
                       for n in self.db.exec(select(Notification)).all())

    def mail(self) -> list[tuple[str, str, str]]:
        """(user key, kind, decoded subject + text) of every queued mail."""
        out = []
        for m in self.db.exec(select(OutboundMail).order_by(col(OutboundMail.id))).all():
            msg = email.message_from_bytes(m.raw, policy=policy.default)
            text = "\n".join([str(msg["Subject"])] + [
                p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain"])
            out.append((self.names.get(m.user_id, m.user_id), m.kind, text))
        return out


@pytest.fixture
def inbox(db, world) -> Inbox:
    return Inbox(db, world)


@pytest.fixture
def tinas(db, world, make, inbox):
    """A client's ticket assigned to Tina (technician2); nothing notified yet."""
    ticket = make.ticket(world.actor("client"), "Printer on fire")
    db.refresh(ticket)
    tickets.update_ticket(db, world.actor("admin"), ticket.id, ticket.version,
                          {"assignee_id": world.users["technician2"].id})
    db.refresh(ticket)
    inbox.reset()
    return ticket


def _away(db, world, *, keep: bool = False, substitute: str = "technician") -> int:
    now = real_now()
    return plan(db, world.actor("admin"), world.users["technician2"], world.users[substitute],
                now - HOUR, now + 5 * HOUR, now=now, keep=keep)


def test_the_substitute_gets_what_is_meant_for_the_absent_person(db, world, tinas, inbox):
    _away(db, world)
    tickets.add_comment(db, world.actor("client"), tinas.id, "Still smoking", public=True)
    assert inbox.app() == Counter({("technician", K.PUBLIC_REPLY, "Tina Technician"): 1})
    [(who, kind, text)] = inbox.mail()
    assert (who, kind) == ("technician", K.PUBLIC_REPLY)
    assert "(za Tina Technician)" in text.splitlines()[0]  # the subject says so
    assert "w zastępstwie za: Tina Technician" in text
    # the bell renders the mark in the reader's language
    assert t("notification.on_behalf", "en", text="X", name="Tina") == "X (for Tina)"


def test_the_absent_person_keeps_a_copy_when_asked(db, world, tinas, inbox):
    _away(db, world, keep=True)
    tickets.add_comment(db, world.actor("admin"), tinas.id, "Checked", public=False)
    assert inbox.app() == Counter({("technician2", K.INTERNAL_NOTE, None): 1,
                                   ("technician", K.INTERNAL_NOTE, "Tina Technician"): 1})


def test_after_the_end_everything_goes_to_the_person_again(db, world, tinas, inbox):
    sid = _away(db, world)
    substitutions.cancel(db, world.actor("admin"), sid)
    inbox.reset()
    tickets.add_comment(db, world.actor("admin"), tinas.id, "Back?", public=False)
    assert inbox.app() == Counter({("technician2", K.INTERNAL_NOTE, None): 1})


def test_the_absent_persons_preferences_decide(db, world, tinas, inbox):
    tina = world.users["technician2"]
    prefs.save(db, world.actor("technician2"), tina.id,
               [PrefInput(K.PUBLIC_REPLY, in_app=True, email=False)])
    prefs.save(db, world.actor("technician"), world.users["technician"].id,
               [PrefInput(K.PUBLIC_REPLY, in_app=False, email=True)])
    _away(db, world)
    tickets.add_comment(db, world.actor("client"), tinas.id, "Hello?", public=True)
    assert inbox.app() == Counter({("technician", K.PUBLIC_REPLY, "Tina Technician"): 1})
    assert inbox.mail() == []


def test_nobody_gets_two_copies_and_the_actor_none(db, world, make, tinas, inbox):
    _away(db, world)
    # a new ticket reaches every staff member: Tom once, for himself, not again for Tina
    make.ticket(world.actor("client"), "Another")
    app = inbox.app()
    assert app[("technician", K.NEW_TICKET, None)] == 1
    assert not any(k[0] == "technician2" or k[2] for k in app)
    inbox.reset()
    # Tom himself notes on Tina's ticket: nobody to tell (Tina is away, Tom is the author)
    tickets.add_comment(db, loaded(db, world.users["technician"]), tinas.id, "on it",
                        public=False)
    assert inbox.app() == Counter()


def test_a_chain_reaches_the_first_person_who_is_there(db, world, make, tinas, inbox):
    now = real_now()
    bob = make.user(world.provider, Role.TECHNICIAN, name="Bob Builder")
    inbox.names[bob.id] = "bob"
    plan(db, world.actor("admin"), world.users["technician2"], bob, now - HOUR, now + HOUR,
         now=now)
    plan(db, world.actor("admin"), bob, world.users["technician"], now - HOUR, now + HOUR,
         now=now)
    tickets.add_comment(db, world.actor("admin"), tinas.id, "Chain", public=False)
    assert inbox.app() == Counter({("technician", K.INTERNAL_NOTE, "Tina Technician"): 1})


def test_a_queue_limited_substitute_hears_of_the_absent_persons_queue(db, world, make,
                                                                      inbox):
    make.give_role(world.users["technician"], make.custom_role("Net", queues=(world.queue2,)))
    make.give_role(world.users["technician2"], make.custom_role("Desk", queues=(world.queue,)))
    _away(db, world)
    desk = make.ticket(world.actor("admin"), "Desk only", requester=world.users["client"],
                       queue_id=world.queue.id)
    # his own "new ticket" notice too: the Desk queue is his to see meanwhile
    assert inbox.app()[("technician", K.NEW_TICKET, None)] == 1
    db.refresh(desk)
    tickets.update_ticket(db, world.actor("admin"), desk.id, desk.version,
                          {"assignee_id": world.users["technician2"].id})
    inbox.reset()
    tickets.add_comment(db, world.actor("client"), desk.id, "Any news?", public=True)
    assert inbox.app() == Counter({("technician", K.PUBLIC_REPLY, "Tina Technician"): 1})


T0 = real_now()


def test_sla_alerts_of_the_absent_assignee_reach_the_substitute(db, world, make, inbox):
    make.contract_24x7(world.org_a.id, "Gold A")
    ticket = make.ticket(world.actor("client"), "Server down")
    ticket.created_at, ticket.assignee_id = T0, world.users["technician2"].id
    db.add(ticket)
    db.commit()
    sla.recompute_ticket(db, ticket.id, T0)
    db.commit()
    plan(db, world.actor("admin"), world.users["technician2"], world.users["technician"],
         T0 - HOUR, T0 + 5 * HOUR, now=T0)
    inbox.reset()
    result = sla_alerts.sweep(db, T0 + timedelta(minutes=61))  # reaction warning + breach
    assert result.breaches == 1
    app = inbox.app()
    assert app[("technician", K.SLA_BREACH, "Tina Technician")] == 1
    assert not any(k[0] == "technician2" for k in app)
    mails = {(w, k): text for w, k, text in inbox.mail()}
    assert "(za Tina Technician)" in mails[("technician", K.SLA_BREACH)].splitlines()[0]
    assert "(za" not in mails[("coordinator", K.SLA_BREACH)].splitlines()[0]


def test_least_busy_coordinator_skips_people_who_are_away(db, world, make):
    now = real_now()
    cora = world.users["coordinator"]
    carl = make.user(world.provider, Role.COORDINATOR, name="Carl Coordinator")
    busy = make.ticket(world.actor("admin"), "Busy", requester=world.users["client"])
    db.refresh(busy)
    tickets.update_ticket(db, world.actor("admin"), busy.id, busy.version,
                          {"assignee_id": carl.id})  # Carl is busier than Cora
    contract = make.contract_24x7(world.org_a.id, "Escalating",
                                  escalation_action=EscalationAction.ASSIGN_COORDINATOR)
    ticket = make.ticket(world.actor("admin"), "Breached", requester=world.users["client"],
                         contract_id=contract.id)
    assert db.get(Contract, contract.id).escalation_action == \
        EscalationAction.ASSIGN_COORDINATOR
    plan(db, world.actor("admin"), cora, world.users["technician"], now - HOUR, now + HOUR,
         now=now)
    done = escalation.escalate(db, db.get(Ticket, ticket.id), "resolution", now)
    assert done.new == carl.id  # Cora is away: the next least busy
    db.rollback()
    # when everyone is away, the least busy of all still gets it (never left unowned)
    plan(db, world.actor("admin"), carl, world.users["technician2"], now - HOUR, now + HOUR,
         now=now)
    done = escalation.escalate(db, db.get(Ticket, ticket.id), "resolution", now)
    assert done.new == cora.id
    db.rollback()


def test_the_substitutes_mail_reply_lands_only_during_the_substitution(db, world, make,
                                                                     room):
    tina, tom = world.users["technician2"], world.users["technician"]
    tom.email = "tom@pomocnik.test"
    db.add(tom)
    db.commit()
    # the room's mail lands in Network: Tina's queue; Tom only sees Service Desk
    make.give_role(tina, make.custom_role("Net", queues=(world.queue2,)))
    make.give_role(tom, make.custom_role("Desk", queues=(world.queue,)))
    mail = room.deliver(message(sender="carl@org-a.test", subject="Router down"))
    ticket = db.get(Ticket, mail.ticket_id)
    sid = _away(db, world)
    tickets.update_ticket(db, world.actor("admin"), ticket.id, ticket.version,
                          {"assignee_id": tina.id})
    [ours] = room.outbox(tom.email)  # Tina's assignment mail, to Tom, with his token
    reply = room.deliver(message(sender=tom.email, subject=f"Re: [#{ticket.number}]",
                                 body="Rebooted it for Tina", in_reply_to=ours.message_id))
    assert (reply.status, reply.ticket_id) == (InboundStatus.DONE, ticket.id), reply.detail
    notes = [e for e in room.events(ticket.id) if e.kind == EventKind.NOTE]
    assert [(e.author_id, e.body.strip()) for e in notes] == [(tom.id, "Rebooted it for Tina")]
    assert db.exec(select(TimelineEvent).where(
        TimelineEvent.kind == EventKind.SUBSTITUTION)).first() is not None
    substitutions.cancel(db, world.actor("admin"), sid)
    late = room.deliver(message(sender=tom.email, subject=f"Re: [#{ticket.number}]",
                                body="One more thing", in_reply_to=ours.message_id))
    assert late.ticket_id != ticket.id
    assert all(e.body.strip() != "One more thing" for e in room.events(ticket.id))


def test_a_deactivated_substitute_does_not_swallow_the_news(db, world, tinas, inbox):
    _away(db, world)
    tom = world.users["technician"]
    tom.is_active = False
    db.add(tom)
    db.commit()
    tickets.add_comment(db, world.actor("admin"), tinas.id, "Anyone?", public=False)
    assert inbox.app() == Counter({("technician2", K.INTERNAL_NOTE, None): 1})
