"""Exporting reports (issue 14): every table of the reports page as CSV or XLSX, and the
big one — every work entry of a filter — as a file built in the background.

Each export is audited (`export.report`, with the table and the filters) and committed
before any row leaves. The tables are small (aggregates: one row per client, person,
period...) and are built whole; the entries export streams batch by batch from the
database into the file (domain/report_files.py), so memory stays flat at 100,000 rows.
Access is the reports' own: the domain functions re-check "reports.view" and scope."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlmodel import Session

from helpdesk_app.db import session_scope
from helpdesk_app.domain import (
    audit,
    report_files,
    reports_common,
    reports_invoicing,
    reports_service,
    reports_workload,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.i18n import t
from helpdesk_app.models.base import utcnow

TABLES: dict[str, Callable[..., Any]] = {
    "invoicing": reports_invoicing.invoicing,
    "workload": reports_workload.workload,
    "workload_by_queue": reports_workload.workload_by_queue,
    "volume": reports_service.volume,
    "times": reports_service.times,
    "sla_compliance": reports_service.sla_compliance,
    "reopen_rate": reports_service.reopen_rate,
    "channel_mix": reports_service.channel_mix,
    "backlog_age": reports_service.backlog_age,
}


def table_for(db: Session, actor: Actor, key: str, query: dict[str, str],
              today: date) -> Any:
    """The domain Table behind `key` (a Table.key as the page shows it) for these filters.
    Drill-down tables carry their target in the query (drill_org, drill_contract,
    ticket)."""
    flt = reports_common.ReportFilter.from_query(query, today)
    if key == "invoicing_tickets":
        org, contract = query.get("drill_org", ""), query.get("drill_contract", "")
        if not org.isdigit():
            raise Invalid("reports.table_unknown")
        return reports_invoicing.invoicing_tickets(
            db, actor, flt, int(contract) if contract.isdigit() else None, int(org))
    if key == "invoicing_entries":
        ticket = query.get("ticket", "")
        if not ticket.isdigit():
            raise Invalid("reports.table_unknown")
        return reports_invoicing.invoicing_entries(db, actor, flt, int(ticket))
    if key not in TABLES:
        raise Invalid("reports.table_unknown")
    return TABLES[key](db, actor, flt)


def filename(key: str, query: dict[str, str], fmt: str) -> str:
    span = "_".join(v for v in (query.get("from", ""), query.get("to", "")) if v)
    stamp = span or utcnow().strftime("%Y%m%d")
    return f"{key.replace('.', '-')}-{stamp}.{fmt}"


def record(db: Session, actor: Actor, key: str, query: dict[str, str], fmt: str,
           address: str | None = None) -> None:
    """The audit entry of an export; committed before any row leaves."""
    audit.record(db, actor, "export.report", target=audit.Target("report", None, key),
                 details={"table": key, "format": fmt, "filters": dict(query)},
                 address=address)
    db.commit()


def table_chunks(table: Any, fmt: str, lang: str, title: str) -> Iterator[bytes]:
    """A built table as CSV chunks or as one XLSX file's bytes (ids left out: they are
    the page's links)."""
    keep = [i for i, c in enumerate(table.columns) if c.kind != "id"]
    columns = [table.columns[i] for i in keep]
    rows = [[r[i] for i in keep]
            for r in [*table.rows, *([table.totals] if table.totals else [])]]
    if fmt == "csv":
        yield from report_files.csv_chunks(columns, [rows], lang)
        return
    with TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        report_files.write_xlsx(path, title, columns, [rows], lang)
        yield path.read_bytes()


def export_entries(actor: Actor, query: dict[str, str], fmt: str, lang: str, *,
                   today=None, progress: Callable[[int, int], None] | None = None) -> str:
    """Write every work entry of the filter to an export file (background: its own
    sessions), reporting (done, total) as it goes. Returns the file's token for
    /api/reports/files/<token>."""
    from helpdesk_app.domain import worktime_parsing

    if fmt not in report_files.FORMATS:
        raise Invalid("reports.format_unknown")
    today = today or worktime_parsing.local_date(utcnow(), actor.timezone)
    with session_scope() as db:
        flt = reports_common.ReportFilter.from_query(query, today)
        totals = reports_invoicing.invoicing(db, actor, flt).totals  # entries at [5]
        total = int(totals[5] or 0) if totals else 0
        record(db, actor, "work_entries", query, fmt)
    token, path = report_files.new_export(actor.user_id,
                                          filename("work-entries", query, fmt), fmt)
    if progress:
        progress(0, total)

    def tick(done: int) -> None:
        if progress:
            progress(done, total)

    partial = path.with_suffix(".part")
    with session_scope() as db:
        batches = reports_invoicing.iter_entries(db, actor, flt)
        columns = reports_invoicing.ENTRY_COLUMNS
        if fmt == "csv":
            with partial.open("wb") as out:
                for chunk in report_files.csv_chunks(columns, batches, lang, tick):
                    out.write(chunk)
        else:
            report_files.write_xlsx(partial, t("reports.invoicing.entries", lang), columns,
                                    batches, lang, tick)
    partial.rename(path)  # only a finished file is ever offered
    return token
