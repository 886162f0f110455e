#!/usr/bin/env bash
# `make run`: start Lantern on this machine with the demo data, over plain HTTP on 127.0.0.1.
#
# Safe to run again: the secret key, the database and the demo passwords in var/ are kept.
# Environment: PORT (default 8000), DEBUG (default off), VAR_DIR (default ./var), and anything
# else config/settings.py reads (see docs/configuration.md). HTTPS is always off here.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

export VAR_DIR="${VAR_DIR:-$PWD/var}"
mkdir -p "$VAR_DIR"

# The secret key is made once and kept, so sessions survive a restart.
secret_key_file="$VAR_DIR/secret-key"
if [[ ! -s "$secret_key_file" ]]; then
    (
        umask 077
        "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$secret_key_file.tmp"
        mv "$secret_key_file.tmp" "$secret_key_file"
    )
fi
chmod 600 "$secret_key_file"

# The OpenID Connect signing key of SMART on FHIR (RSA), likewise made once and kept.
oidc_key_file="$VAR_DIR/oidc-key.pem"
if [[ ! -s "$oidc_key_file" ]]; then
    (
        umask 077
        "$PY" -c 'from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
print(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()).decode(), end="")' \
            >"$oidc_key_file.tmp"
        mv "$oidc_key_file.tmp" "$oidc_key_file"
    )
fi
chmod 600 "$oidc_key_file"

SECRET_KEY="$(<"$secret_key_file")"
export SECRET_KEY
export HTTPS=off
export DEBUG="${DEBUG:-off}"
# Links in email point at this server; passkeys work at http://localhost:$PORT/ (browsers refuse
# them for a bare address such as 127.0.0.1).
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://localhost:$PORT}"
export WEBAUTHN_ORIGINS="${WEBAUTHN_ORIGINS:-http://localhost:$PORT}"

"$PY" manage.py compile_translations >/dev/null
"$PY" manage.py migrate --noinput
"$PY" manage.py createcachetable
"$PY" manage.py collectstatic --noinput
# load_demo prints the sign-ins too; they are printed once, below, next to the address.
"$PY" manage.py load_demo >/dev/null

# The task worker runs beside the web server and stops with it. `exec` below replaces this shell
# with gunicorn and drops its traps, so a watchdog stops the worker once this process (by then
# gunicorn) has exited; the trap covers the moments before the exec.
main_pid=$$
"$PY" manage.py db_worker &
worker_pid=$!
# Every five minutes, deliver outbox rows whose delivery task was lost (a crash between commit
# and enqueue), and delete attachment files no message points at (a write rolled back or cut
# short), seal the audit trail's new events into its hash chain, queue the notices of birthdays
# that change a parent's access and the appointment reminders due; in production the same
# commands run from cron (README).
(
    while sleep 300; do
        "$PY" manage.py deliver_notifications >/dev/null || true
        "$PY" manage.py remove_orphan_attachments >/dev/null || true
        "$PY" manage.py seal_audit >/dev/null || true
        "$PY" manage.py announce_family_access_changes >/dev/null || true
        "$PY" manage.py send_appointment_reminders >/dev/null || true
    done
) &
sweep_pid=$!
(
    while kill -0 "$main_pid" 2>/dev/null && kill -0 "$worker_pid" 2>/dev/null; do
        sleep 1
    done
    kill "$worker_pid" "$sweep_pid" 2>/dev/null || true
) &
watchdog_pid=$!
trap 'kill "$worker_pid" "$sweep_pid" "$watchdog_pid" 2>/dev/null || true' EXIT

echo
# localhost, not 127.0.0.1: browsers refuse passkeys for a bare address.
echo "Lantern is running at http://localhost:$PORT/ (stop it with Ctrl-C)."
echo "Demo sign-ins (kept in $VAR_DIR/demo-logins.txt):"
awk '!/^#/ && NF == 3 { printf "  %-14s username %-14s password %s\n", $1, $2, $3 }' \
    "$VAR_DIR/demo-logins.txt"
echo "Second step: type an authenticator secret into an authenticator app, or use a backup code:"
awk '!/^#/ && $3 == "authenticator" { printf "  %-14s authenticator secret %s\n", $2, $4 }' \
    "$VAR_DIR/demo-logins.txt"
echo

# No control socket: it would default to one path in the home folder shared by every checkout.
exec "$PY" -m gunicorn config.wsgi \
    --bind "127.0.0.1:$PORT" \
    --workers 2 \
    --access-logfile - \
    --no-control-socket
