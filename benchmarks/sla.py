"""Benchmark: SLA deadline computations per second (domain/calendars.py), part 1.

    .venv/bin/python benchmarks/sla.py [--n 200000] [--check 300] [--seed 1]

Calendar: Mon–Fri 8:00–16:00 Europe/Warsaw with Polish statutory holidays. Cases: random
start instants (whole minutes, UTC) over 2026–2027 and targets from 1 minute up to 5
business days (2,400 business minutes). The engine's year tables are warmed up first
(their one-off build time is printed separately); then `BusinessCalendar.add()` is timed
over N cases in this single Python process (one core).

A naive minute-by-minute reference, written here independently of the engine (zoneinfo +
the `holidays` package, one loop step per wall-clock minute), is run on a sample of cases;
both must give identical deadlines (the script exits with status 1 otherwise), and the
speed ratio engine/naive is printed.

Human-readable lines first; the LAST line is one JSON object:
{"benchmark": "sla", "deadlines_per_s": .., "naive_per_s": .., "ratio": .., "checked": N}
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import holidays

from helpdesk_app.domain.calendars import BusinessCalendar, CalendarSpec, weekdays

TZ = ZoneInfo("Europe/Warsaw")
START = datetime(2026, 1, 1, tzinfo=UTC)
MINUTES_2Y = 2 * 365 * 24 * 60
MAX_TARGET_MIN = 5 * 8 * 60  # 5 business days of 8 h
ONE_MIN = timedelta(minutes=1)


def make_cases(n: int, rng: random.Random) -> list[tuple[datetime, timedelta]]:
    """Random whole-minute UTC starts in 2026–2027, targets 1 min … 5 business days."""
    return [(START + timedelta(minutes=rng.randrange(MINUTES_2Y)),
             timedelta(minutes=rng.randint(1, MAX_TARGET_MIN))) for _ in range(n)]


class NaiveMinuteCalendar:
    """Reference: step one minute at a time, asking "is this minute working time?"."""

    def __init__(self) -> None:
        self.holidays: set[date] = set(holidays.country_holidays("PL", years=range(2025, 2030)))

    def working(self, instant: datetime) -> bool:
        local = instant.astimezone(TZ)
        return (local.weekday() < 5 and 8 <= local.hour < 16
                and local.date() not in self.holidays)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration // ONE_MIN
        t = start
        while remaining > 0:
            if self.working(t):
                remaining -= 1
            t += ONE_MIN
        return t  # the end of the last working minute


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200_000, help="cases for the engine")
    parser.add_argument("--check", type=int, default=300, help="cases compared with naive")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    t0 = time.perf_counter()
    cal = BusinessCalendar(CalendarSpec(windows=weekdays(dtime(8), dtime(16))))
    for year in (2026, 2027, 2028):  # the year tables a 2026–2027 start can reach
        cal.next_open(datetime(year, 6, 1, tzinfo=UTC))
    build_ms = (time.perf_counter() - t0) * 1000
    print(f"calendar: Mon–Fri 8–16 Europe/Warsaw, PL holidays; "
          f"year tables 2026–2028 built in {build_ms:.1f} ms")

    cases = make_cases(args.n, rng)
    add = cal.add
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for s, d in cases:
            add(s, d)
        best = min(best, time.perf_counter() - t0)
    per_s = args.n / best
    print(f"engine: {args.n:,} deadlines in {best * 1000:.1f} ms (best of 3) "
          f"→ {per_s:,.0f}/s, {best / args.n * 1e6:.2f} µs each (goal ≥ 50,000/s)")

    naive = NaiveMinuteCalendar()
    sample = cases[:args.check]
    t0 = time.perf_counter()
    expected = [naive.add(s, d) for s, d in sample]
    naive_s = time.perf_counter() - t0
    naive_per_s = len(sample) / naive_s
    got = [add(s, d) for s, d in sample]
    mismatches = [(s, d, e, g) for (s, d), e, g in zip(sample, expected, got, strict=True)
                  if e != g]
    print(f"naive minute loop: {len(sample)} deadlines in {naive_s:.2f} s "
          f"→ {naive_per_s:,.1f}/s")
    for s, d, e, g in mismatches[:5]:
        print(f"MISMATCH start={s.isoformat()} target={d} naive={e.isoformat()} "
              f"engine={g.isoformat()}")
    print(f"checked {len(sample)} cases: "
          f"{'all identical' if not mismatches else f'{len(mismatches)} differ'}")
    ratio = per_s / naive_per_s
    print(f"speed ratio engine/naive: {ratio:,.0f}×")

    print(json.dumps({
        "benchmark": "sla",
        "deadlines_per_s": round(per_s),
        "naive_per_s": round(naive_per_s, 1),
        "ratio": round(ratio),
        "checked": len(sample),
        "mismatches": len(mismatches),
        "cases": args.n,
        "build_ms": round(build_ms, 1),
    }))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
