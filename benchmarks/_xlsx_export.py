"""The XLSX export of work entries, measured in a fresh process (benchmarks/reports.py).

`report_exports.export_entries` runs exactly as the reports page's background export does
(its own sessions from the app's engine, the audit entry, the invoicing count for the
progress total, batches from `iter_entries`, openpyxl write-only) into a temporary data
folder. Each measurement runs in a spawned process so that its peak resident memory
(VmHWM) belongs to the export alone: the figure is the peak minus the resident size just
before the export started. Run for a small and a large range, the two peaks show
whether memory stays flat as the row count grows.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
import traceback
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from helpdesk_app.models import WorkEntry


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM, the peak of this process image: ru_maxrss would carry the parent's peak over
    # (Linux keeps it across fork and exec), and the parent has just iterated 100k rows
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _child(url: str, data_dir: str, query: dict[str, str], today: date, out: Any) -> None:
    try:
        out.put(_export(url, data_dir, query, today))
    except BaseException:
        out.put({"error": traceback.format_exc()})


def _export(url: str, data_dir: str, query: dict[str, str], today: date) -> dict:
    os.environ["DATABASE_URL"], os.environ["POMOCNIK_DATA_DIR"] = url, data_dir
    from openpyxl import load_workbook
    from sqlmodel import Session

    from helpdesk_app.config import get_settings
    from helpdesk_app.db import get_engine
    from helpdesk_app.domain import report_exports, report_files
    from helpdesk_app.domain.actor import Actor
    from helpdesk_app.models import Role, User

    get_settings.cache_clear()
    with Session(get_engine()) as db:
        coord = Actor.from_user(db.exec(select(User).where(
            User.role == Role.COORDINATOR)).scalars().first())
    ticks: list[tuple[float, int, int]] = []
    base = _rss_mb()
    started = time.perf_counter()
    token = report_exports.export_entries(
        coord, query, "xlsx", "pl", today=today,
        progress=lambda done, total: ticks.append((time.perf_counter(), done, total)))
    seconds = time.perf_counter() - started
    peak = _peak_mb()
    path, _name = report_files.find_export(token, coord.user_id)
    # read back (untimed): write-only files carry no dimension, so count the rows
    sheet = load_workbook(path, read_only=True).active
    written = sum(1 for _ in sheet.iter_rows(min_row=2, values_only=True))
    return {"seconds": seconds, "rows": ticks[-1][1], "total": ticks[-1][2],
             "progress_updates": len(ticks), "first_progress_s": ticks[1][0] - started
             if len(ticks) > 1 else None, "sheet_rows": written,
             "file_mb": path.stat().st_size / 2**20, "base_mb": base,
             "peak_growth_mb": peak - base}


def range_for(engine: Engine, first: date, rows: int) -> tuple[date, date, int]:
    """The shortest range of whole days from `first` holding at least `rows` entries."""
    with engine.connect() as conn:
        per_day = dict(conn.execute(
            select(WorkEntry.work_date, func.count()).where(
                WorkEntry.work_date >= first, WorkEntry.work_date < first + timedelta(days=92))
            .group_by(WorkEntry.work_date)).all())
    count, day = 0, first
    while count < rows and day < first + timedelta(days=92):
        count += per_day.get(day, 0)
        day += timedelta(days=1)
    return first, day - timedelta(days=1), count


def measure(url: str, engine: Engine, first: date, rows: int, today: date) -> dict:
    day_from, day_to, count = range_for(engine, first, rows)
    query = {"from": day_from.isoformat(), "to": day_to.isoformat()}
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    with tempfile.TemporaryDirectory(prefix="pomocnik-xlsx-") as data_dir:
        child = ctx.Process(target=_child, args=(url, data_dir, query, today, out))
        child.start()
        result = out.get(timeout=900)
        child.join()
    if "error" in result:
        raise RuntimeError("the export failed:\n" + result["error"])
    result.update(day_from=str(day_from), day_to=str(day_to), expected=count)
    return result


def report(label: str, r: dict) -> None:
    print(f"{label:<34} {r['rows']:,} rows ({r['day_from']} – {r['day_to']}) in "
          f"{r['seconds']:.2f} s ({r['rows'] / r['seconds']:,.0f} rows/s); file "
          f"{r['file_mb']:.1f} MB, {r['sheet_rows']:,} data rows read back; "
          f"{r['progress_updates']} progress updates, first after "
          f"{r['first_progress_s'] or 0:.2f} s; memory: {r['base_mb']:.0f} MB before, "
          f"peak +{r['peak_growth_mb']:.1f} MB", flush=True)
    if r["sheet_rows"] != r["rows"] or r["rows"] != r["expected"]:
        raise SystemExit(f"the export wrote {r['sheet_rows']} rows, expected {r['expected']}")


def run(url: str, engine: Engine, first: date, today: date) -> dict[str, float]:
    """The 100,000-entry export and a ~10,000-entry one for the memory comparison."""
    small = measure(url, engine, first, 10_000, today)
    report("xlsx export, ~10k entries", small)
    big = measure(url, engine, first, 100_000, today)
    report("xlsx export, ~100k entries", big)
    return {"xlsx_rows": big["rows"], "xlsx_100k_s": round(big["seconds"], 2),
            "xlsx_peak_mb": round(big["peak_growth_mb"], 1),
            "xlsx_10k_peak_mb": round(small["peak_growth_mb"], 1),
            "xlsx_file_mb": round(big["file_mb"], 1)}
