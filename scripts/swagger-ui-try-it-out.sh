#!/usr/bin/env bash
# Swagger UI's "Try it out" in headless Chromium, against a running service:
#   scripts/swagger-ui-try-it-out.sh [BASE_URL] [ITEM_ID]
# BASE_URL defaults to http://localhost:8080 (docker compose up), ITEM_ID to 1 (an existing item);
# EDITOR_USER / EDITOR_PASSWORD name an account with role EDITOR (default: the compose demo one).
# Needs Debian's chromium (apt-get install chromium) and Node.js; playwright-core (which drives
# the installed Chromium and downloads no browser) is installed into a temporary folder.
set -euo pipefail
export BASE_URL="${1:-${BASE_URL:-http://localhost:8080}}"
export ITEM_ID="${2:-${ITEM_ID:-1}}"
export OUT_DIR="${OUT_DIR:-$(mktemp -d)}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 2; }
cp "$here/swagger-ui-try-it-out.mjs" "$work/"
(cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)
node "$work/swagger-ui-try-it-out.mjs"
