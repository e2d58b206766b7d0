"""Alembic environment: migrates the database named by helpdesk_app.config."""

from __future__ import annotations

from sqlmodel import SQLModel

import helpdesk_app.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from alembic import context
from helpdesk_app.db import make_engine

target_metadata = SQLModel.metadata


def _url() -> str:
    url = context.config.attributes.get("database_url")
    if url:
        return url
    from helpdesk_app.config import get_settings

    return get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
