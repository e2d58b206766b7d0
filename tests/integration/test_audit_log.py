"""The audit log itself: append-only in the database, secrets refused, filters and pages,
the CSV export (Excel-ready, formula-safe, itself audited) and admins only everywhere."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import httpx
import pytest
from async_support import run_async
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from helpdesk_app.api.routes import build_api
from helpdesk_app.config import get_settings
from helpdesk_app.domain import audit, auth
from helpdesk_app.domain.errors import Forbidden, Invalid
from helpdesk_app.models import AuditEvent

NON_ADMINS = ("coordinator", "technician", "client", "client-manager")


def _log(db: Session, actor, action: str = "config.sla.contract.updated", *,
         label: str = "Umowa", details: dict | None = None, at: datetime | None = None) -> None:
    audit.record(db, actor, action, target=audit.Target("contract", 1, label), details=details)
    if at is not None:  # only tests back-date entries, before they are committed
        for row in db.new:
            if isinstance(row, AuditEvent):
                row.at = at
    db.commit()


def test_record_joins_the_callers_transaction_and_rolls_back_with_it(db, world):
    audit.record(db, world.actor("admin"), "config.sla.contract.updated",
                 target=audit.Target("contract", 7, "Umowa"), details={"name": ["A", "B"]})
    db.rollback()
    assert db.exec(select(AuditEvent)).all() == []
    _log(db, world.actor("admin"))
    assert len(db.exec(select(AuditEvent)).all()) == 1


def test_unknown_actions_are_refused():
    with pytest.raises(ValueError):
        audit.record(None, None, "config.something.made_up")  # type: ignore[arg-type]


def test_secret_keys_are_stripped_at_any_depth(db, world):
    _log(db, world.actor("admin"), details={
        "password": "hunter2", "imap_password": ["a", "b"], "totp_secret": "JBSWY3DP",
        "reset_token": "t0k", "recovery_codes": ["1", "2"], "password_hash": "$argon2",
        "name": ["A", "B"], "nested": {"api_key": "k", "code": "123456", "ok": 1}})
    row = db.exec(select(AuditEvent)).one()
    assert json.loads(row.details) == {"name": ["A", "B"], "nested": {"ok": 1}}
    for secret in ("hunter2", "JBSWY3DP", "t0k", "argon2", "123456"):
        assert secret not in row.details


def test_changes_lists_only_what_differs_as_old_and_new():
    before = {"name": "A", "valid_to": None, "is_key": False}
    after = {"name": "B", "valid_to": date(2027, 1, 1), "is_key": False}
    assert audit.changes(before, after, ["name", "valid_to", "is_key"]) == {
        "name": ["A", "B"], "valid_to": [None, "2027-01-01"]}
    assert audit.changes(None, {"name": "A"}, ["name"]) == {"name": [None, "A"]}


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'auth.sign_out'",
    "DELETE FROM audit_event",
])
def test_the_database_refuses_to_change_or_delete_entries(db, world, statement):
    _log(db, world.actor("admin"))
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
        db.commit()
    db.rollback()
    row = db.exec(select(AuditEvent)).one()
    assert row.action == "config.sla.contract.updated"


def test_the_actor_label_keeps_the_name_of_the_time(db, world):
    admin = world.users["admin"]
    _log(db, world.actor("admin"))
    admin.full_name = "Ada Renamed"
    db.add(admin)
    db.commit()
    entry = audit.search(db, world.actor("admin"), audit.AuditQuery()).rows[0]
    assert entry.actor_label.startswith("Ada Admin <")


# --------------------------------------------------------------------------- reading


def test_filters_by_area_actor_text_and_days_in_the_viewers_zone(db, world):
    admin, tech = world.actor("admin"), world.actor("technician")
    _log(db, admin, label="Umowa Łódź", at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    _log(db, tech, "auth.sign_in.succeeded", label="Tom",
         at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    _log(db, None, "auth.sign_in.failed", label="x", at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC))

    def actions(**kw) -> list[str]:
        return [e.action for e in audit.search(db, admin, audit.AuditQuery(**kw)).rows]

    assert actions() == ["auth.sign_in.failed", "auth.sign_in.succeeded",
                         "config.sla.contract.updated"]  # newest first
    assert actions(area="auth") == ["auth.sign_in.failed", "auth.sign_in.succeeded"]
    assert actions(actor_id=tech.user_id) == ["auth.sign_in.succeeded"]
    assert actions(text="łÓDŹ") == ["config.sla.contract.updated"]
    assert actions(text="100%") == []  # wildcards are literal
    # 23:30 UTC on 1 March is 00:30 on 2 March in Warsaw
    assert actions(day_from=date(2026, 3, 2), day_to=date(2026, 3, 2),
                   tz="Europe/Warsaw") == ["auth.sign_in.succeeded",
                                           "config.sla.contract.updated"]
    assert actions(day_to=date(2026, 3, 1), tz="UTC") == ["config.sla.contract.updated"]
    assert len(actions(target_type="contract", target_id="1")) == 3  # _log's target
    assert actions(target_type="contract", target_id="2") == []


def test_bad_filters_are_refused_with_a_message(db, world):
    admin = world.actor("admin")
    for q, key in ((audit.AuditQuery(area="nope"), "audit.area_invalid"),
                   (audit.AuditQuery(action="nope"), "audit.action_invalid"),
                   (audit.AuditQuery(day_from=date(2026, 3, 2), day_to=date(2026, 3, 1)),
                    "audit.range_reversed")):
        with pytest.raises(Invalid) as err:
            audit.search(db, admin, q)
        assert err.value.key == key


def test_pages_with_a_total(db, world):
    admin = world.actor("admin")
    for i in range(7):
        _log(db, admin, label=f"U{i}")
    page = audit.search(db, admin, audit.AuditQuery(page=2, page_size=3))
    assert (page.total, page.pages, page.page) == (7, 3, 2)
    assert [e.target_label for e in page.rows] == ["U3", "U2", "U1"]
    assert audit.search(db, admin, audit.AuditQuery(page=99, page_size=3)).page == 3


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admins_read_or_export_the_log(db, world, role):
    actor = world.actor(role)
    with pytest.raises(Forbidden):
        audit.search(db, actor, audit.AuditQuery())
    with pytest.raises(Forbidden):
        audit.record_export(db, actor, audit.AuditQuery())
    with pytest.raises(Forbidden):
        list(audit.export_chunks(db, actor, audit.AuditQuery(), "pl", "UTC"))


# --------------------------------------------------------------------------- CSV


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_utc_and_local_time_and_neutralises_formulas(db, world):
    admin = world.actor("admin")
    _log(db, admin, label="=HYPERLINK(\"http://evil\")", details={"name": ["+1", "@x"]},
         at=datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC))
    _log(db, None, "auth.sign_in.failed", label="-2+3", at=datetime(2026, 7, 1, 11, 0,
                                                                    tzinfo=UTC))
    data = b"".join(audit.export_chunks(db, admin, audit.AuditQuery(), "pl", "Europe/Warsaw"))
    rows = _csv(data)
    assert rows[0][:3] == ["Czas (UTC)", "Czas lokalny", "Kto"]
    failed, changed = rows[1], rows[2]
    assert changed[0:2] == ["2026-07-01T10:00:05Z", "2026-07-01 12:00:05"]
    assert changed[5] == "Zmiana umowy"
    assert changed[8] == "'=HYPERLINK(\"http://evil\")"
    assert failed[8] == "'-2+3"
    assert all(not c.startswith(("=", "+", "-", "@")) for r in rows for c in r)


def test_csv_streams_every_entry_in_batches(db, world, monkeypatch):
    admin = world.actor("admin")
    for i in range(5):
        _log(db, admin, label=f"U{i}")
    monkeypatch.setattr(audit, "EXPORT_BATCH", 2)
    chunks = list(audit.export_chunks(db, admin, audit.AuditQuery(), "en", "UTC"))
    assert len(chunks) == 1 + 3  # header, then 2 + 2 + 1
    assert [r[8] for r in _csv(b"".join(chunks))[1:]] == ["U4", "U3", "U2", "U1", "U0"]


# --------------------------------------------------------------------------- HTTP route


@pytest.fixture
def app_db(db: Session, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db


def _get(path: str, token: str | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        cookies = {auth.SESSION_COOKIE: token} if token is not None else None
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()),
                                     base_url="http://pomocnik.test", cookies=cookies) as c:
            return await c.get(path)

    return run_async(go())


def test_admin_downloads_the_filtered_csv_and_the_export_is_logged(app_db, world, password):
    token, _ = auth.login(app_db, world.users["admin"].email, password)
    response = _get("/api/audit.csv?area=auth&text=" + world.users["admin"].email, token)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-')
    rows = _csv(response.content)
    assert [r[4] for r in rows[1:]] == ["auth.sign_in.succeeded"]  # not the export itself
    exported = app_db.exec(select(AuditEvent).where(
        AuditEvent.action == "audit.exported")).one()
    assert json.loads(exported.details) == {"area": "auth",
                                            "text": world.users["admin"].email}


@pytest.mark.parametrize("role", NON_ADMINS)
def test_the_export_route_refuses_everyone_but_admins(app_db, world, password, role):
    token, _ = auth.login(app_db, world.users[role].email, password)
    assert _get("/api/audit.csv", token).status_code == 403
    assert _get("/api/audit.csv").status_code == 401
    assert app_db.exec(select(AuditEvent).where(
        AuditEvent.action == "audit.exported")).all() == []


def test_a_bad_filter_in_the_export_is_a_400_and_not_logged(app_db, world, password):
    token, _ = auth.login(app_db, world.users["admin"].email, password)
    assert _get("/api/audit.csv?day_from=31.02.2026", token).status_code == 400
    assert _get("/api/audit.csv?area=nope", token).status_code == 400
    assert app_db.exec(select(AuditEvent).where(
        AuditEvent.action == "audit.exported")).all() == []
