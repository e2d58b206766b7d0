#!/usr/bin/env bash
# Run Pomocnik scaled out: PostgreSQL + Redis + several app worker processes on one port
# (see docs/operations.md). Migrates first, then starts `reflex run --env prod` with
# GRANIAN_WORKERS worker processes (through helpdesk_app/serve.py: a dead one is started
# again); every worker serves pages and websockets, Redis
# carries Reflex's state and the live change bus between them.
#   DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/pomocnik (default; created
#                              when missing)
#   REDIS_URL=redis://127.0.0.1:6379/0 (default)   WORKERS=2 (default)
#   PORT=3000   POMOCNIK_BIND=127.0.0.1   POMOCNIK_BASE_URL=http://localhost:$PORT
#                              (behind a reverse proxy: its public URL, e.g.
#                              https://helpdesk.example.com; the browser's websocket
#                              then goes there too)
#   POMOCNIK_DEMO=1 (default)  demo data and logins; 0: a production start (as run-app.sh)
#   POMOCNIK_SKIP_SETUP=1      use the current Python environment as it is (an image or a
#                              host prepared beforehand) instead of creating .venv
if [ "${POMOCNIK_SKIP_SETUP:-0}" = "1" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  export PATH="$PWD/.tools/node_modules/.bin:$PATH" REFLEX_USE_SYSTEM_BUN=1
else
  source "$(dirname "$0")/bootstrap.sh" postgres
fi

export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/pomocnik}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
WORKERS="${WORKERS:-2}"
PORT="${PORT:-3000}"
DEMO="${POMOCNIK_DEMO:-1}"
BIND="${POMOCNIK_BIND:-127.0.0.1}"
export POMOCNIK_BASE_URL="${POMOCNIK_BASE_URL:-http://localhost:$PORT}"
# The built frontend holds the websocket address: the public URL, so that behind a
# reverse proxy the browser connects through the proxy, not to this port directly.
export REFLEX_API_URL="${REFLEX_API_URL:-${POMOCNIK_BASE_URL%/}}"
# Reflex reads its own names; rxconfig.py maps REDIS_URL too, this only makes it explicit.
export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$REDIS_URL}"
# Reflex starts 2 x cores + 1 workers when Redis is set; granian takes this number instead.
export GRANIAN_WORKERS="$WORKERS"
case "$WORKERS" in ''|*[!0-9]*|0) echo "ERROR: WORKERS must be a number >= 1" >&2; exit 1;; esac

# Both services must answer before anything starts; the database is created if missing.
python - <<'EOF'
import os
import re
import sys

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

url = make_url(os.environ["DATABASE_URL"])
shown = url.render_as_string(hide_password=True)
if url.get_backend_name() != "postgresql":
    sys.exit(f"ERROR: several workers need PostgreSQL, DATABASE_URL is {shown}")
try:
    create_engine(url, connect_args={"connect_timeout": 5}).connect().close()
except OperationalError as exc:
    if "does not exist" not in str(exc):
        sys.exit(f"ERROR: PostgreSQL not reachable at {shown}: {str(exc).splitlines()[0]}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    print(f"Created the database {url.database}.")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=5).ping()
except (redis.RedisError, OSError) as exc:
    where = re.sub(r"//[^@/]*@", "//***@", os.environ["REDIS_URL"])  # no password in logs
    sys.exit(f"ERROR: Redis not reachable at {where}: {exc}")
EOF

python -m helpdesk_app.cli migrate
if [ "$DEMO" = "0" ]; then
    python -m helpdesk_app.cli check-production || exit $?
    python -m helpdesk_app.cli banner --no-demo
else
    python -m helpdesk_app.cli seed
    python -m helpdesk_app.cli banner
fi
echo "Scaled out: $WORKERS worker processes on $BIND:$PORT, Redis and PostgreSQL shared."
# `reflex run` whose server starts a worker again when it dies (helpdesk_app/serve.py)
exec python -m helpdesk_app.serve run --env prod --frontend-port "$PORT" \
    --backend-port "$PORT" --backend-host "$BIND" --loglevel warning
