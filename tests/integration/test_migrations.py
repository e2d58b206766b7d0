"""The alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import helpdesk_app.models  # noqa: F401  (registers every table)
from alembic import command
from helpdesk_app.cli import alembic_config, migrate
from helpdesk_app.db import make_engine

MODEL_TABLES = {
    "organisation", "queue", "user_account", "user_session", "ticket", "ticket_counter",
    "timeline_event", "attachment",
    # 0002: SLA configuration
    "business_calendar", "calendar_window", "calendar_closed_date", "contract",
    "contract_contact", "ticket_type", "ticket_type_target", "ticket_status",
    # 0005: workflow
    "contract_status", "status_transition", "custom_field", "field_option", "field_scope",
    "field_permission", "field_dependency", "ticket_field_value", "ticket_field_choice",
    "checklist_template", "checklist_template_item", "ticket_checklist_item",
    # 0003: SLA scheduler
    "notification", "sla_alert", "scheduler_lock",
    # 0006: mail
    "mail_channel", "inbound_mail", "outbound_mail", "notification_preference",
    # 0009: unread marks
    "ticket_seen",
    # 0014: audit log
    "audit_event",
    # 0011: directory administration (verified mail domains)
    "organisation_domain",
    # 0012: queues and roles
    "queue_member", "custom_role",
    # i12-setup: invitations / password reset, first-run settings
    "account_token",
    "app_setting",
    # i12-signin
    "user_factor", "recovery_code", "pending_login", "known_device", "security_policy",
    "security_alert_subscription", "failed_login_alert",
    # 0015: substitutions
    "substitution", "substitution_ticket",
    # 0016: subcontractors
    "contract_subcontractor", "handover",
    # 0017: work time
    "activity_type", "contract_rate", "work_entry", "work_timer",
    # 0019: directory sign-in
    "ldap_directory",
    # 0020: RODO erasure of audit labels
    "audit_redaction",
}


def test_builtin_statuses_carry_sla_flags(empty_db_url: str) -> None:
    migrate(empty_db_url)
    engine = make_engine(empty_db_url)
    with engine.connect() as conn:
        rows = dict(conn.exec_driver_sql("SELECT key, sla_effect FROM ticket_status").all())
    engine.dispose()
    assert rows == {"new": "counts", "open": "counts", "pending": "pauses",
                    "resolved": "stops", "closed": "stops"}


def _diffs(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "compare_server_default": True})
            return compare_metadata(ctx, SQLModel.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_metadata_lists_the_expected_tables() -> None:
    assert set(SQLModel.metadata.tables) == MODEL_TABLES


def test_upgrade_head_on_empty_db_creates_all_tables(empty_db_url: str) -> None:
    assert _tables(empty_db_url) - {"alembic_version"} == set()
    migrate(empty_db_url)
    assert _tables(empty_db_url) == MODEL_TABLES | {"alembic_version"}


def test_models_and_migrations_agree(empty_db_url: str) -> None:
    """The equivalent of `alembic check`: autogenerate finds nothing to do."""
    migrate(empty_db_url)
    assert _diffs(empty_db_url) == []


def test_migrated_indexes_match_models(empty_db_url: str) -> None:
    migrate(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        insp = inspect(engine)
        for table in SQLModel.metadata.sorted_tables:
            expected = {ix.name for ix in table.indexes}
            assert expected <= {ix["name"] for ix in insp.get_indexes(table.name)}, table.name
    finally:
        engine.dispose()


def test_migrate_is_idempotent_and_downgrade_round_trips(empty_db_url: str) -> None:
    migrate(empty_db_url)
    migrate(empty_db_url)  # second run is a no-op
    cfg = alembic_config(empty_db_url)
    command.downgrade(cfg, "base")
    assert _tables(empty_db_url) - {"alembic_version"} == set()
    migrate(empty_db_url)
    assert _tables(empty_db_url) == MODEL_TABLES | {"alembic_version"}
    assert _diffs(empty_db_url) == []


def test_alembic_has_a_single_head() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1


def test_schema_check_detects_drift(empty_db_url: str) -> None:
    """Guard against a vacuous check: a model change without a migration is reported."""
    from sqlalchemy import Column, Integer, MetaData, String, Table

    migrate(empty_db_url)
    drifted = MetaData()
    for table in SQLModel.metadata.sorted_tables:
        table.to_metadata(drifted)
    Table("sla_policy", drifted, Column("id", Integer, primary_key=True))
    drifted.tables["ticket"].append_column(Column("sla_note", String(50)))
    engine = make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), drifted)
    finally:
        engine.dispose()
    kinds = {(d[0], d[1].name if d[0] == "add_table" else d[2]) for d in diffs}
    assert ("add_table", "sla_policy") in kinds
    assert ("add_column", "ticket") in kinds
