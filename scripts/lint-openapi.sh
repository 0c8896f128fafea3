#!/usr/bin/env bash
# Lints the service's OpenAPI document with Redocly's recommended rules, every one of them an
# error (scripts/openapi-lint/redocly.yaml: recommended-strict), so a warning fails it too.
#
#   scripts/lint-openapi.sh                       # target/openapi/api-docs.json, the document
#                                                 # OpenApiIntegrationTest kept from ./mvnw verify
#   scripts/lint-openapi.sh http://localhost:8080/v3/api-docs     # a running instance's
#   scripts/lint-openapi.sh some/file.json
#
# Redocly CLI comes from the npm registry, pinned in scripts/openapi-lint/package-lock.json;
# nodejs and npm are installed from Debian's packages when missing (as root).
set -euo pipefail
cd "$(dirname "$0")/.."

document=${1:-target/openapi/api-docs.json}
tools=scripts/openapi-lint

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  timeout 300 apt-get update -qq
  timeout 600 apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -x "$tools/node_modules/.bin/redocly" ]; then
  (cd "$tools" && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

case "$document" in
  http://* | https://*)
    fetched=$(mktemp --suffix=.json)
    trap 'rm -f "$fetched"' EXIT
    curl -fsS -m 30 -o "$fetched" "$document"
    document=$fetched
    ;;
  *)
    if [ ! -s "$document" ]; then
      echo "no OpenAPI document at $document: run ./mvnw -B verify (OpenApiIntegrationTest keeps it there)" >&2
      echo "or name a file or a running instance's /v3/api-docs" >&2
      exit 2
    fi
    document=$(realpath "$document")
    ;;
esac

# Redocly prints a banner about Node.js 20's end of life on every run; it is not a finding.
NO_UPDATE_NOTIFIER=1 timeout 120 "$tools/node_modules/.bin/redocly" lint --config "$tools/redocly.yaml" \
  --format=stylish "$document"
