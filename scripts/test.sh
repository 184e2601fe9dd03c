#!/usr/bin/env bash
# `npm test`: the whole suite. On Linux without a session keyring (CI, a server)
# the keychain tests get a private D-Bus session with an unlocked gnome-keyring,
# so they talk to a real Secret Service and never touch the person's own keyring.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname)" = "Linux" ] && [ -z "${TIDEMARK_TEST_KEYRING:-}" ] \
  && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  KR=$(mktemp -d)
  mkdir -m 700 "$KR/data" "$KR/run"
  export TIDEMARK_TEST_KEYRING="$KR"
  XDG_DATA_HOME="$KR/data" XDG_RUNTIME_DIR="$KR/run" exec dbus-run-session -- sh -c \
    'printf %s test-pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
    sh npx vitest run "$@"
fi
exec npx vitest run "$@"
