#!/usr/bin/env bash
# Run Pomocnik: embedded SQLite (data/pomocnik.db), migrated, on one port.
#   POMOCNIK_DEMO=1 (default)  demo data and the printed demo logins, for a first look
#   POMOCNIK_DEMO=0            a production start: no demo data; an empty database shows the
#                              first-run page /setup; refuses to start while demo accounts
#                              with the published password exist (cli disable-demo)
#   POMOCNIK_BIND=127.0.0.1    the address to listen on (0.0.0.0: every interface)
#   PORT=3000 (default)   DATABASE_URL=...   POMOCNIK_DATA_DIR=...   (see docs/configuration.md)
source "$(dirname "$0")/bootstrap.sh"
PORT="${PORT:-3000}"
DEMO="${POMOCNIK_DEMO:-1}"
BIND="${POMOCNIK_BIND:-127.0.0.1}"
export POMOCNIK_BASE_URL="${POMOCNIK_BASE_URL:-http://localhost:$PORT}"
python -m helpdesk_app.cli migrate
if [ "$DEMO" = "0" ]; then
    python -m helpdesk_app.cli check-production || exit $?
    python -m helpdesk_app.cli banner --no-demo
else
    python -m helpdesk_app.cli seed
    python -m helpdesk_app.cli banner
fi
# `reflex run` whose server starts a worker again when it dies (helpdesk_app/serve.py)
exec python -m helpdesk_app.serve run --env prod --frontend-port "$PORT" \
    --backend-port "$PORT" --backend-host "$BIND" --loglevel warning
