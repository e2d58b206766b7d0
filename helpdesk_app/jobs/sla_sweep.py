"""The SLA sweep job: what the scheduler (jobs/scheduler.py) runs on each tick, once the
leader lock is held. Deciding and recording SLA warnings, breaches and escalations is a
business rule and lives in domain/sla_alerts.py; this job only calls it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from helpdesk_app.domain import sla_alerts
from helpdesk_app.domain.sla_alerts import SweepResult

__all__ = ["SweepResult", "run"]


def run(db: Session, now: datetime, *,
        keep_going: Callable[[], bool] | None = None) -> SweepResult:
    """One sweep as of `now`. `keep_going` is asked between committed batches (the
    scheduler renews its leader lock there); False stops the sweep."""
    return sla_alerts.sweep(db, now, keep_going=keep_going)
