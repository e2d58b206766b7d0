"""One report table on the reports page: a chart beside it (when it has one), the rows
with drill-down links, the totals row, and the CSV / XLSX links that carry the report's
filters. Wide tables scroll sideways on a phone."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.state.report_views import ColView, TableView
from helpdesk_app.state.session import SessionState as S

_COLOURS = ("var(--accent-9)", "var(--green-9)", "var(--orange-9)")


def _head(c: ColView) -> rx.Component:
    return rx.table.column_header_cell(c.label, text_align=rx.cond(c.numeric, "right", "left"),
                                       white_space="nowrap")


def _cells(values, columns) -> rx.Component:
    return rx.foreach(values, lambda v, i: rx.table.cell(
        v, text_align=rx.cond(columns[i].numeric, "right", "left"), white_space="nowrap"))


def _row(table: TableView, row, i) -> rx.Component:
    link = table.links[i]
    return rx.table.row(
        _cells(row, table.columns),
        rx.table.cell(rx.cond(link != "", rx.link("›", href=link, class_name="pm-drill",
                                                  aria_label=S.tr["reports.drill"]))),
        class_name="pm-report-row")


def _chart(table: TableView) -> rx.Component:
    bars = [rx.cond(table.chart_labels.length() > n, rx.recharts.bar(
        data_key=f"s{n}", name=table.chart_labels[n], fill=_COLOURS[n]))
        for n in range(len(_COLOURS))]
    return rx.cond(table.chart.length() > 0, rx.box(rx.recharts.bar_chart(
        *bars,
        rx.recharts.x_axis(data_key="x"),
        rx.recharts.y_axis(),
        rx.recharts.legend(),
        rx.recharts.graphing_tooltip(),
        data=table.chart, width="100%", height=240), width="100%",
        class_name="pm-report-chart"))


def report_table(table: TableView) -> rx.Component:
    return rx.card(rx.vstack(
        rx.flex(
            rx.heading(table.title, size="3"),
            rx.spacer(),
            # document links: client-side routing would swallow the download
            rx.cond(table.csv_href != "", rx.fragment(
                rx.link("CSV", href=table.csv_href, class_name="pm-export-csv",
                        reload_document=True, download=""),
                rx.link("XLSX", href=table.xlsx_href, class_name="pm-export-xlsx",
                        reload_document=True, download=""))),
            gap="0.75em", align="center", width="100%", wrap="wrap"),
        _chart(table),
        rx.cond(
            table.rows.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(rx.foreach(table.columns, _head),
                                             rx.table.column_header_cell(""))),
                rx.table.body(
                    rx.foreach(table.rows, lambda r, i: _row(table, r, i)),
                    rx.cond(table.totals.length() > 0, rx.table.row(
                        _cells(table.totals, table.columns), rx.table.cell(""),
                        font_weight="bold", class_name="pm-report-totals"))),
                size="1", width="100%"), overflow_x="auto", width="100%"),
            rx.text(S.tr["reports.empty"], size="2", color_scheme="gray",
                    class_name="pm-report-empty")),
        rx.cond(table.truncated, rx.text(S.tr["reports.truncated"], size="1",
                                         color_scheme="amber")),
        spacing="3", width="100%"), width="100%", class_name="pm-report",
        custom_attrs={"data-table": table.key})
