"""How a report table (domain/reports_common.Table) looks on the page: cells formatted
in the viewer's language, a chart's records, links to drill down and to export it. Plain
functions the reports states share; no state of their own."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from urllib.parse import urlencode

from helpdesk_app.domain import dates
from helpdesk_app.i18n import format_business_minutes, format_number, t

MONTHS = {"pl": ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis",
                 "gru"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec")}
NUMERIC = ("int", "hours", "minutes", "money", "percent")
MAX_SERIES = 3


@dataclasses.dataclass
class ColView:
    label: str = ""
    numeric: bool = False


@dataclasses.dataclass
class TableView:
    key: str = ""
    title: str = ""
    columns: list[ColView] = dataclasses.field(default_factory=list)
    rows: list[list[str]] = dataclasses.field(default_factory=list)
    links: list[str] = dataclasses.field(default_factory=list)  # per row; "" = none
    totals: list[str] = dataclasses.field(default_factory=list)
    truncated: bool = False
    csv_href: str = ""
    xlsx_href: str = ""
    chart: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    chart_x: str = ""
    chart_labels: list[str] = dataclasses.field(default_factory=list)  # series s0, s1, s2


def cell(kind: str, value: Any, lang: str, currency: str = "") -> str:
    """One value as the viewer reads it ("12,5 h", "1 234,00 PLN", "95,2 %")."""
    if value is None:
        return "—"
    if kind == "key":
        return t(str(value), lang)
    if kind == "keys":
        return " · ".join(t(k, lang) for k in str(value).split())
    if kind == "hours":
        return format_number(round(int(value) / 3600, 2), lang) + " h"
    if kind == "minutes":
        return format_business_minutes(int(value), lang)
    if kind == "money":
        return f"{format_number(round(int(value) / 100, 2), lang)} {currency}".strip()
    if kind == "percent":
        return format_number(round(float(value), 1), lang) + " %"
    if kind == "int":
        return format_number(int(value), lang)
    if kind == "date" and isinstance(value, date):
        return dates.format_day(value, lang)
    if kind == "month" and isinstance(value, date):
        return f"{MONTHS.get(lang, MONTHS['en'])[value.month - 1]} {value.year}"
    return str(value)


def chart_value(kind: str, value: Any) -> float | int | str:
    """A number a chart can plot (hours as hours, money in currency units)."""
    if value is None:
        return 0
    if kind == "hours":
        return round(int(value) / 3600, 2)
    if kind == "money":
        return round(int(value) / 100, 2)
    if kind in ("percent",):
        return round(float(value), 1)
    if kind in ("int", "minutes"):
        return int(value)
    return str(value)


def view(table: Any, lang: str, *, title: str, query: dict[str, str], export_path: str,
         link: Callable[[Sequence[Any]], str] | None = None, chart_x: str = "",
         chart_series: Sequence[str] = ()) -> TableView:
    """The page's view of a domain Table. `query`: the report's filters (the export link
    carries them); `link(row)`: where a row drills down to; the chart plots
    `chart_series` (column keys) over `chart_x`."""
    cols = list(table.columns)
    keys = [c.key for c in cols]
    currency_at = keys.index("currency") if "currency" in keys else None

    def fmt(row: Sequence[Any]) -> list[str]:
        currency = str(row[currency_at]) if currency_at is not None else ""
        return [cell(c.kind, v, lang, currency) for c, v in zip(cols, row, strict=False)]

    # ids are for links, the currency is written beside each amount
    shown = [i for i, c in enumerate(cols) if c.key != "currency" and c.kind != "id"]
    rows = [fmt(r) for r in table.rows]
    totals = fmt(table.totals) if table.totals else []
    chart: list[dict[str, Any]] = []
    if chart_x and chart_series:
        xi = keys.index(chart_x)
        series = [(k, keys.index(k)) for k in chart_series if k in keys]
        for r in table.rows:
            record = {"x": cell(cols[xi].kind, r[xi], lang)}
            # fixed keys s0, s1, s2: the chart's bars are declared once, not per report
            record.update({f"s{n}": chart_value(cols[i].kind, r[i])
                           for n, (_k, i) in enumerate(series[:MAX_SERIES])})
            chart.append(record)
    params = urlencode({**query, "table": table.key}) if export_path else ""
    return TableView(
        key=table.key, title=title,
        columns=[ColView(t(cols[i].label_key, lang), cols[i].kind in NUMERIC) for i in shown],
        rows=[[r[i] for i in shown] for r in rows],
        links=[link(r) if link else "" for r in table.rows],
        totals=[totals[i] for i in shown] if totals else [],
        truncated=bool(getattr(table, "truncated", False)),
        csv_href=f"{export_path}.csv?{params}" if export_path else "",
        xlsx_href=f"{export_path}.xlsx?{params}" if export_path else "",
        chart=chart, chart_x="x",
        chart_labels=[t(cols[keys.index(k)].label_key, lang) for k in chart_series
                      if k in keys][:MAX_SERIES])
