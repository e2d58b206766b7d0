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

# Directory sign-in is tested against a real OpenLDAP server (slapd) the tests start on
# loopback with their own configuration. The package's own slapd service is not started
# (policy-rc.d): the tests need only the binaries and schemas.
if [ ! -x /usr/sbin/slapd ] || ! command -v ldapmodify >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's slapd and ldap-utils for the directory tests..."
    had_policy=0
    [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    [ "$had_policy" = 1 ] || printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils) \
      >/dev/null
    [ "$had_policy" = 1 ] || rm -f /usr/sbin/policy-rc.d
  else
    echo "ERROR: directory tests need OpenLDAP's slapd: run" \
         "'sudo apt-get install -y slapd ldap-utils' and try again." >&2
    exit 1
  fi
fi

ruff check .
python -m pytest "$@"
