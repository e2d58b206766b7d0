"""Configuration read many times in one unit of work, kept in the session.

Two lifetimes:

- ``scope="tx"``: kept for the transaction (status definitions are read several times
  when one ticket is created). A change an admin commits is seen by the next transaction.
- ``scope="batch"``: kept only while a batch worker has opened ``batch(db)`` (the mail
  pipeline), across that batch's commits; outside a batch nothing is cached. A batch is
  short (a bounded number of messages), so configuration is read once per batch instead
  of once per message, and an admin's change is seen by the next batch.

Values should be plain data or snapshots: the batch worker detaches its ORM objects
between messages (`Session.expunge_all`), so a cached row is read-only from then on.
A rollback drops everything (rolled-back rows are expired and must not be served).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Literal, TypeVar

from sqlalchemy import event
from sqlmodel import Session

_KEY = "tx_cache"
_BATCH = "tx_cache.batch"
T = TypeVar("T")


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.get(_BATCH):
        session.info.pop(_KEY, None)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_KEY, None)


def cached(db: Session, key: object, load: Callable[[], T], *,
           scope: Literal["tx", "batch"] = "tx") -> T:
    """`load()`'s value for `key`, loaded once per transaction (or per batch)."""
    if scope == "batch" and not db.info.get(_BATCH):
        return load()
    cache = db.info.setdefault(_KEY, {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


@contextlib.contextmanager
def batch(db: Session) -> Iterator[Session]:
    """Keep the cache across this session's commits until the block ends."""
    db.info[_BATCH] = True
    try:
        yield db
    finally:
        db.info.pop(_BATCH, None)
        db.info.pop(_KEY, None)
