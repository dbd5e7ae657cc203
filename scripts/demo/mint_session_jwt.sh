#!/usr/bin/env bash
# Quick-start helper: makes a throwaway Ed25519 key, the JWKS Panguard pins, and a session JWT
# for one tenant, the way a real identity provider would. Usage:
#   mint_session_jwt.sh DIR TENANT   -> DIR/jwks.json, DIR/<tenant>.jwt
set -euo pipefail
dir="$1"
tenant="$2"
b64url() { basenc --base64url -w0 | tr -d '='; }

[ -f "$dir/key.pem" ] || openssl genpkey -algorithm ed25519 -out "$dir/key.pem" 2>/dev/null
x="$(openssl pkey -in "$dir/key.pem" -pubout -outform DER | tail -c 32 | b64url)"
printf '{"keys":[{"kty":"OKP","crv":"Ed25519","alg":"EdDSA","use":"sig","kid":"demo","x":"%s"}]}\n' \
  "$x" >"$dir/jwks.json"

header="$(printf '{"alg":"EdDSA","kid":"demo","typ":"JWT"}' | b64url)"
exp=$(($(date +%s) + 3600))
payload="$(printf '{"iss":"https://idp.demo.invalid","aud":"panguard-vault","sub":"%s-api","tenant_id":"%s","exp":%d}' \
  "$tenant" "$tenant" "$exp" | b64url)"
printf '%s.%s' "$header" "$payload" >"$dir/signing-input"
signature="$(openssl pkeyutl -sign -rawin -inkey "$dir/key.pem" -in "$dir/signing-input" | b64url)"
printf '%s.%s.%s' "$header" "$payload" "$signature" >"$dir/$tenant.jwt"
