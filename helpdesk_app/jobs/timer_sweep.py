"""The forgotten-timer sweep (issue 14): what the substitution scheduler (jobs/scheduler.py,
"people's time": substitutions and timers) runs on each tick after its substitution pass,
under the same leader lock. Capping a timer exactly once is a rule of
domain/worktime_timer.py (a conditional delete); this job only calls it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from helpdesk_app.domain import worktime_timer


def run(db: Session, now: datetime) -> int:
    """One pass as of `now` (commits each capped timer); how many were capped."""
    return worktime_timer.sweep(db, now)
