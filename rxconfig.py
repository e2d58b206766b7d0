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

# One process without Redis: tab states live in memory. Reflex's default (disk) pickles every
# changed state and re-stats every state file every 2 s, ~15 % of a worker's CPU with 150
# open agent tabs (issue 15). Nothing is lost on a restart: the session is the tab's
# HttpOnly cookie and every page re-reads its data on load. With Redis, Reflex picks it.
_memory = {} if os.environ.get("REFLEX_REDIS_URL") else {"state_manager_mode": "memory"}

config = rx.Config(
    **_memory,
    app_name="helpdesk_app",
    telemetry_enabled=False,
    cors_allowed_origins=list(_settings.cors_origins),
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo",
                                                         radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
