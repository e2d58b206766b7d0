#!/usr/bin/env bash
# Run Pomocnik: embedded SQLite (data/pomocnik.db), migrated, with demo data, on one port.
#   PORT=3000 (default)   DATABASE_URL=...   POMOCNIK_DATA_DIR=...   (see docs/configuration.md)
source "$(dirname "$0")/bootstrap.sh"
PORT="${PORT:-3000}"
export POMOCNIK_BASE_URL="${POMOCNIK_BASE_URL:-http://localhost:$PORT}"
python -m helpdesk_app.cli migrate
python -m helpdesk_app.cli seed
python -m helpdesk_app.cli banner
exec reflex run --env prod --frontend-port "$PORT" --backend-port "$PORT" --loglevel warning
