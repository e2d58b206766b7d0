"""The substitution sweep: what the substitution scheduler (jobs/scheduler.py) runs on each
tick, once its leader lock is held. Starting and ending substitutions exactly once, their
audit entries, timeline events and live changes are rules of domain/substitution_schedule.py;
this job only calls it. Catch-up needs nothing special: a pass handles every boundary that
passed, however long ago."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from helpdesk_app.domain import substitution_schedule
from helpdesk_app.domain.substitution_schedule import PassResult

__all__ = ["PassResult", "run"]


def run(db: Session, now: datetime) -> PassResult:
    """One pass as of `now` (commits)."""
    return substitution_schedule.run_pass(db, now)
