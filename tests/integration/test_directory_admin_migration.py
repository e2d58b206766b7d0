"""Migration 0011 moves each organisation's single e-mail domain into organisation_domain
(lower-cased; a domain two organisations claimed stays with the older one) and back."""

from __future__ import annotations

from sqlalchemy import text

from alembic import command
from helpdesk_app.cli import alembic_config
from helpdesk_app.db import make_engine

_ORGS = [(1, "Provider", "provider", "Pomocnik.example"), (2, "Acme", "client", "ACME.pl"),
         (3, "Acme Copy", "client", "acme.pl"), (4, "No Domain", "client", None)]


def test_existing_domains_move_to_the_domain_table_and_back(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0009")
    engine = make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO organisation (id, name, kind, email_domain, created_at) "
                "VALUES (:id, :name, :kind, :domain, CURRENT_TIMESTAMP)"),
                [{"id": i, "name": n, "kind": k, "domain": d} for i, n, k, d in _ORGS])
            # people point at the organisations (a table copy would trip their foreign key)
            conn.execute(text(
                "INSERT INTO user_account (email, full_name, password_hash, role, "
                "organisation_id, is_client_manager, language, timezone, is_active, "
                "created_at, search_text) VALUES ('a@acme.pl', 'A', '!', 'client', 2, "
                "false, 'pl', 'Europe/Warsaw', true, CURRENT_TIMESTAMP, 'a a@acme.pl')"))
        command.upgrade(cfg, "0011")
        with engine.connect() as conn:
            moved = conn.execute(text(
                "SELECT organisation_id, domain FROM organisation_domain ORDER BY id")).all()
            active = conn.execute(text("SELECT count(*) FROM organisation "
                                       "WHERE is_active")).scalar()
        assert [tuple(r) for r in moved] == [(1, "pomocnik.example"), (2, "acme.pl")]
        assert active == 4  # every existing organisation stays active
        command.downgrade(cfg, "0009")
        with engine.connect() as conn:
            back = conn.execute(text(
                "SELECT id, email_domain FROM organisation ORDER BY id")).all()
        assert [tuple(r) for r in back] == [(1, "pomocnik.example"), (2, "acme.pl"),
                                            (3, None), (4, None)]
    finally:
        engine.dispose()
