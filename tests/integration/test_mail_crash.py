"""Crash safety: the inbound worker killed (SIGKILL) in the middle of a batch, in the
middle of a transaction; after a restart every accepted message is on a ticket exactly
once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import func
from sqlmodel import select

from helpdesk_app.mail.inbound import pipeline, store
from helpdesk_app.models import EventKind, InboundMail, InboundStatus, MailSource, TimelineEvent
from tests.mail_support import ADDRESS, Room, message

# Runs the real pipeline in a child process and kills it from inside a ticket transaction:
# `checklists.instantiate` runs after the ticket, its first event and the message's claim
# were flushed and before the commit.
CHILD = """
import os, signal, sys
from helpdesk_app.db import make_engine
from helpdesk_app.domain import checklists
from helpdesk_app.mail.inbound import pipeline

kill_at, calls, real = int(sys.argv[1]), [0], checklists.instantiate

def instantiate(*args, **kwargs):
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)

checklists.instantiate = instantiate
pipeline.process_pending(make_engine(os.environ["DATABASE_URL"]))
"""


def test_killed_mid_batch_then_restarted_every_message_lands_exactly_once(
        room: Room, db_url: str) -> None:
    ids = [store.store_raw(room.db, message(sender="carl@org-a.test",
                                            subject=f"Awaria {n}").as_bytes(),
                           source=MailSource.SMTP, rcpt_to=[ADDRESS]) for n in range(8)]
    env = {**os.environ, "DATABASE_URL": db_url}
    child = subprocess.run([sys.executable, "-c", CHILD, "4"], env=env, timeout=120,
                           capture_output=True, text=True)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    room.db.expire_all()
    statuses = [room.db.get(InboundMail, i).status for i in ids]
    assert statuses[:3] == [InboundStatus.DONE] * 3  # committed before the kill
    assert set(statuses[3:]) == {InboundStatus.RECEIVED}  # the killed one rolled back

    result = pipeline.process_pending(room.engine)  # the restart
    assert result.processed == 5
    room.db.expire_all()
    rows = [room.db.get(InboundMail, i) for i in ids]
    assert {r.status for r in rows} == {InboundStatus.DONE}
    # the killed batch counted a try for all its messages; after the crash each one ran
    # alone (so a poison message could not spend the others' attempts)
    assert [r.attempts for r in rows] == [1, 1, 1, 2, 2, 2, 2, 2]
    created = room.db.exec(select(TimelineEvent).where(
        TimelineEvent.kind == EventKind.CREATED)).all()
    mail_ids = sorted(e.data["mail_id"] for e in created)
    assert mail_ids == sorted(ids)  # each message exactly once
    assert len({r.ticket_id for r in rows}) == len(ids)
    assert room.db.exec(select(func.count()).select_from(InboundMail).where(
        InboundMail.status != InboundStatus.DONE)).one() == 0
