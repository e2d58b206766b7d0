#!/usr/bin/env bash
# Set up everything the tests need and run the whole suite: unit, integration, browser.
# Extra arguments go to pytest (e.g. scripts/run-tests.sh -k access).
source "$(dirname "$0")/bootstrap.sh" test

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "ERROR: browser tests need Chromium at /usr/bin/chromium:" \
         "run 'sudo apt-get install -y chromium' and try again." >&2
    exit 1
  fi
fi

# The IMAP poller is tested against a real IMAP server (Dovecot) the tests start on loopback.
if [ ! -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's dovecot-imapd for the IMAP tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd) \
      >/dev/null
  else
    echo "ERROR: IMAP tests need Dovecot at /usr/sbin/dovecot:" \
         "run 'sudo apt-get install -y dovecot-imapd' and try again." >&2
    exit 1
  fi
fi

ruff check .
python -m pytest "$@"
