"""Reflex configuration. Deployment settings come from the environment (see helpdesk_app.config).

Reflex reads only REFLEX_-prefixed variables, so DATABASE_URL / REDIS_URL are mapped here.
The app talks to its database through its own engine (helpdesk_app.db), migrated by our
alembic/ folder, so Reflex's own db_url is left unset and Reflex never touches the schema.
"""

import os

import reflex as rx

from helpdesk_app.config import get_settings

_settings = get_settings()

if os.environ.get("REDIS_URL") and not os.environ.get("REFLEX_REDIS_URL"):
    os.environ["REFLEX_REDIS_URL"] = os.environ["REDIS_URL"]

config = rx.Config(
    app_name="helpdesk_app",
    telemetry_enabled=False,
    cors_allowed_origins=list(_settings.cors_origins),
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo",
                                                         radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
