#!/usr/bin/env bash
# Mints an RS256 access token for the curl demo, signed by a demo key pair that stands in for an
# identity provider (only bash and openssl needed). The first run creates the key pair in
# $CATALOG_DEMO_IDP (default ~/.catalog-demo-idp); point the service at its public half:
#   SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_PUBLIC_KEY_LOCATION=file:$HOME/.catalog-demo-idp/public.pem
#
#   scripts/mint-token.sh [-e] [-s SCOPE] [-i ISSUER] [-a AUDIENCE] [-t SECONDS] SUBJECT [ROLE...]
#     -e           expired an hour ago (to see the 401)
#     -s SCOPE     a space-separated scope claim, e.g. 'openid catalog:write'
#     -i ISSUER    the iss claim (default demo-idp; the service checks it when issuer-uri is set)
#     -a AUDIENCE  the aud claim (default catalog-api; checked when catalog.security.jwt.audience is set)
#     -t SECONDS   lifetime (default 3600)
#   TOKEN=$(scripts/mint-token.sh editor-1 EDITOR)
set -euo pipefail
DIR=${CATALOG_DEMO_IDP:-$HOME/.catalog-demo-idp}
EXPIRED=0 SCOPE='' ISSUER=demo-idp AUDIENCE=catalog-api LIFETIME=3600
while getopts 'es:i:a:t:' opt; do
  case $opt in
    e) EXPIRED=1 ;;
    s) SCOPE=$OPTARG ;;
    i) ISSUER=$OPTARG ;;
    a) AUDIENCE=$OPTARG ;;
    t) LIFETIME=$OPTARG ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
SUBJECT=$1
shift
if [ ! -f "$DIR/private.pem" ]; then
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DIR/private.pem" 2>/dev/null
  openssl pkey -in "$DIR/private.pem" -pubout -out "$DIR/public.pem"
  echo "created $DIR/private.pem and $DIR/public.pem" >&2
fi
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
NOW=$(date +%s)
if [ "$EXPIRED" = 1 ]; then IAT=$((NOW - 7200)) EXP=$((NOW - 3600)); else IAT=$NOW EXP=$((NOW + LIFETIME)); fi
ROLES=''
for role in "$@"; do ROLES="$ROLES${ROLES:+,}$(json_string "$role")"; done
CLAIMS="{\"iss\":$(json_string "$ISSUER"),\"sub\":$(json_string "$SUBJECT"),\"aud\":$(json_string "$AUDIENCE")"
CLAIMS="$CLAIMS,\"iat\":$IAT,\"nbf\":$IAT,\"exp\":$EXP,\"roles\":[$ROLES]"
[ -z "$SCOPE" ] || CLAIMS="$CLAIMS,\"scope\":$(json_string "$SCOPE")"
CLAIMS="$CLAIMS}"
SIGNED="$(printf '{"alg":"RS256","typ":"JWT"}' | b64url).$(printf '%s' "$CLAIMS" | b64url)"
printf '%s.%s\n' "$SIGNED" "$(printf '%s' "$SIGNED" | openssl dgst -sha256 -sign "$DIR/private.pem" -binary | b64url)"
