"""The SLA sweep reads the timelines of a whole batch at once (sla.load_history); that
must give every ticket exactly the inputs a read of its own timeline gives."""

from __future__ import annotations

from helpdesk_app.domain import sla, tickets
from helpdesk_app.models import Status


def test_history_read_for_many_tickets_equals_each_tickets_own(db, world, make) -> None:
    client, agent = world.actor("client"), world.actor("admin")
    quiet = make.ticket(client, "Nothing happened yet")
    answered = make.ticket(client, "Answered, then waiting")
    tickets.add_comment(db, agent, answered.id, "On it", public=True)
    tickets.add_comment(db, agent, answered.id, "Internal", public=False)
    row = db.get(type(answered), answered.id)
    tickets.update_ticket(db, agent, row.id, row.version, {"status": Status.PENDING})
    tickets.add_comment(db, client, answered.id, "Here you are", public=True)  # back open
    ids = [quiet.id, answered.id]

    batch = sla.load_history(db, ids)
    assert set(batch) == set(ids)
    assert batch[quiet.id] == sla.History([], None)
    assert [data["new"] for _at, data in batch[answered.id].changes] == [
        Status.OPEN, Status.PENDING, Status.OPEN]
    assert batch[answered.id].first_response_at is not None
    for ticket_id in ids:
        ticket = db.get(type(quiet), ticket_id)
        assert (sla.load_inputs(db, ticket, history=batch[ticket_id])
                == sla.load_inputs(db, ticket))
    assert sla.load_history(db, []) == {}
