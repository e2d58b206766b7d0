"""Migration 0016: people of subcontractor organisations, technicians until now, become
subcontractors (losing any custom role, which only staff carry), and back on downgrade.
Technicians of the provider stay technicians."""

from __future__ import annotations

from sqlalchemy import text

from alembic import command
from helpdesk_app.cli import alembic_config
from helpdesk_app.db import make_engine

_ORGS = [(1, "Provider", "provider"), (2, "Fixers", "subcontractor"), (3, "Acme", "client")]
_PEOPLE = [("tech@provider.test", "technician", 1), ("fixer@fixers.test", "technician", 2),
           ("client@acme.test", "client", 3)]


def _roles(engine) -> dict[str, tuple[str, int | None]]:
    with engine.connect() as conn:
        return {e: (r, c) for e, r, c in conn.execute(text(
            "SELECT email, role, custom_role_id FROM user_account")).all()}


def test_subcontractor_technicians_become_subcontractors_and_back(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0014")
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organisation (id, name, kind, is_active, created_at) "
                "VALUES (:id, :name, :kind, true, CURRENT_TIMESTAMP)"),
                [{"id": i, "name": n, "kind": k} for i, n, k in _ORGS])
            conn.execute(text(
                "INSERT INTO custom_role (id, name, base_role, permissions, limit_to_queues, "
                "queue_ids) VALUES (1, 'Field', 'technician', '[]', false, '[]')"))
            conn.execute(text(
                "INSERT INTO user_account (email, full_name, password_hash, role, "
                "organisation_id, is_client_manager, language, timezone, is_active, "
                "created_at, search_text, custom_role_id) VALUES (:email, 'X', '!', :role, "
                ":org, false, 'pl', 'Europe/Warsaw', true, CURRENT_TIMESTAMP, '', 1)"),
                [{"email": e, "role": r, "org": o} for e, r, o in _PEOPLE])
        command.upgrade(cfg, "0016")
        assert _roles(engine) == {"tech@provider.test": ("technician", 1),
                                  "fixer@fixers.test": ("subcontractor", None),
                                  "client@acme.test": ("client", 1)}
        command.downgrade(cfg, "0014")
        assert _roles(engine)["fixer@fixers.test"] == ("technician", None)
        assert _roles(engine)["tech@provider.test"] == ("technician", 1)
    finally:
        engine.dispose()


def test_the_subcontractor_list_index_holds_only_handed_tickets(db_url: str) -> None:
    """Partial on both backends: SQLite's statistics of a full index would average in
    every unhandled ticket and send the subcontractor's list down the priority index
    (benchmarks/ticket_list.py, docs/performance.md)."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = "
                                        "'ix_ticket_handed_status_prio_upd'")).scalar_one()
            else:
                sql = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                        "'ix_ticket_handed_status_prio_upd'")).scalar_one()
    finally:
        engine.dispose()
    assert "handed_to_org_id IS NOT NULL" in sql.replace('"', "").replace("(", "").replace(
        ")", "")
