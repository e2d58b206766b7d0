"""Report tables as files: the CSV and XLSX read back cell by cell (typed XLSX cells,
machine-readable CSV, formula-safe text), written batch by batch; export files only for
their owner."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import load_workbook

from helpdesk_app.domain import report_files


@dataclass(frozen=True)
class Col:
    key: str
    label_key: str
    kind: str


COLUMNS = (Col("day", "worktime.day", "date"), Col("who", "worktime.worker", "text"),
           Col("hours", "worktime.total", "hours"), Col("amount", "worktime.billable", "money"),
           Col("share", "worktime.paused", "percent"), Col("month", "worktime.day", "month"),
           Col("n", "worktime.title", "int"))
ROWS = [(date(2026, 7, 1), "Anna Nowak", 5400, 22500, 12.5, date(2026, 7, 1), 3),
        (date(2026, 7, 2), "=HYPERLINK(\"x\")", 60, 1, 100.0, date(2026, 8, 1), 0)]


def test_csv_has_a_translated_header_and_plain_values():
    data = b"".join(report_files.csv_chunks(COLUMNS, [ROWS[:1], ROWS[1:]], "pl"))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Dzień", "Kto pracował", "Przepracowano", "Do rozliczenia",
                       "Wstrzymanie SLA", "Dzień", "Czas pracy"]
    assert rows[1] == ["2026-07-01", "Anna Nowak", "1.50", "225.00", "12.5", "2026-07", "3"]
    assert rows[2] == ["2026-07-02", "'=HYPERLINK(\"x\")", "0.02", "0.01", "100.0", "2026-08",
                       "0"]


def test_xlsx_cells_are_typed_with_a_frozen_bold_header(tmp_path):
    path = tmp_path / "r.xlsx"
    seen: list[int] = []
    written = report_files.write_xlsx(path, "Rozliczenie", COLUMNS, [ROWS[:1], ROWS[1:]], "en",
                                      progress=seen.append)
    assert written == 2 and seen == [1, 2]
    ws = load_workbook(path).active
    assert ws.title == "Rozliczenie" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Day", "Who worked", "Worked", "Billable",
                                        "SLA paused", "Day", "Work time"]
    assert ws["A1"].font.bold
    a2, c2, d2, e2, f2, g2 = ws["A2"], ws["C2"], ws["D2"], ws["E2"], ws["F2"], ws["G2"]
    assert a2.value == datetime(2026, 7, 1) and a2.number_format == "yyyy-mm-dd"
    assert c2.value == 1.5 and c2.number_format == "0.00"
    assert d2.value == 225 and d2.number_format == "#,##0.00"
    assert e2.value == 0.125 and e2.number_format == "0.0%"
    assert f2.number_format == "yyyy-mm" and g2.value == 3
    # a text cell, never a formula (XLSX keeps the text as typed; CSV neutralises it)
    assert ws["B3"].value == '=HYPERLINK("x")' and ws["B3"].data_type == "s"


def test_an_export_file_is_found_only_by_its_owner():
    token, path = report_files.new_export(7, "rozliczenie-2026-07.xlsx", "xlsx")
    assert report_files.find_export(token, 7) is None  # not written yet
    path.write_bytes(b"x")
    assert report_files.find_export(token, 7) == (path, "rozliczenie-2026-07.xlsx")
    assert report_files.find_export(token, 8) is None
    assert report_files.find_export("../" + token, 7) is None
    assert report_files.find_export("nope", 7) is None
    meta = path.with_suffix(".json")
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "created": 0}))
    assert report_files.find_export(token, 7) is None  # expired
