#!/usr/bin/env bash
# Shared set-up for scripts/run-app.sh and scripts/run-tests.sh (sourced, not run).
# Creates .venv, installs the project, and installs bun from the npm registry into .tools/
# (Reflex's own bun download needs the open internet; the npm package does not).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
PY="${PYTHON:-python3}"
BUN_VERSION="1.4.5"

need() { command -v "$1" >/dev/null 2>&1 || { echo "ERROR: '$1' is required: $2" >&2; exit 1; }; }
need "$PY" "install Python 3.11+ (e.g. apt-get install python3 python3-venv)"
need npm "install Node.js and npm (e.g. apt-get install nodejs npm)"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
  || { echo "ERROR: Python 3.11+ is required" >&2; exit 1; }

extras="${1:-}"
stamp=".venv/.installed${extras:+-$extras}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
# Reinstall only when the dependency list changed.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".${extras:+[$extras]}"
  touch "$stamp"
fi

if [ ! -x .tools/node_modules/.bin/bun ]; then
  npm install --silent --no-audit --no-fund --prefix .tools "bun@${BUN_VERSION}" >/dev/null
fi
export PATH="$REPO/.tools/node_modules/.bin:$REPO/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
