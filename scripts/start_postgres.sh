#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the LeadStore tests and print its URL.
#
#   export PISENTINEL_TEST_PG_URL="$(scripts/start_postgres.sh)"
#
# Installs Debian's postgresql package if no server binaries are found, initialises a cluster
# under /tmp (PGDATA_DIR, default /tmp/pisentinel-pg), starts it on 127.0.0.1:PGPORT (default
# 55432) as the postgres user and creates the database `pisentinel_test`. Only the URL goes to
# stdout; progress goes to stderr. Stop it with: su postgres -c "pg_ctl -D <dir> stop".
set -euo pipefail

PGPORT="${PGPORT:-55432}"
PGDATA_DIR="${PGDATA_DIR:-/tmp/pisentinel-pg}"
PGUSER_NAME="${PGUSER_NAME:-pisentinel}"
PGPASSWORD_VALUE="${PGPASSWORD_VALUE:-pisentinel}"
PGDATABASE_NAME="${PGDATABASE_NAME:-pisentinel_test}"

log() { echo "start_postgres: $*" >&2; }

find_bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
    done
    return 1
}

if ! BINDIR="$(find_bindir)"; then
    log "installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [[ "$(id -u)" -ne 0 ]] && SUDO="sudo"
    $SUDO apt-get update -qq >&2
    $SUDO apt-get install -y -qq postgresql >&2
    BINDIR="$(find_bindir)"
fi

run_as_pg() {
    if [[ "$(id -un)" == "postgres" ]]; then
        "$@"
    elif [[ "$(id -u)" -eq 0 ]]; then
        # runuser keeps the argument vector intact (no shell re-quoting)
        runuser -u postgres -- "$@"
    else
        sudo -u postgres -- "$@"
    fi
}

if [[ ! -s "$PGDATA_DIR/PG_VERSION" ]]; then
    log "initialising cluster in $PGDATA_DIR"
    mkdir -p "$PGDATA_DIR"
    chown postgres:postgres "$PGDATA_DIR" 2>/dev/null || true
    chmod 700 "$PGDATA_DIR"
    run_as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 >&2 || run_as_pg "$BINDIR/initdb" -D "$PGDATA_DIR" -U postgres \
        -A trust -E UTF8 --locale=C >&2
fi

if run_as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
    log "cluster already running"
else
    log "starting on 127.0.0.1:$PGPORT"
    run_as_pg "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGDATA_DIR -c fsync=off" start >&2
fi

psql_pg() {
    run_as_pg "$BINDIR/psql" -h 127.0.0.1 -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"
}

if [[ "$(psql_pg -c "SELECT 1 FROM pg_roles WHERE rolname='$PGUSER_NAME'")" != "1" ]]; then
    psql_pg -c "CREATE ROLE $PGUSER_NAME LOGIN PASSWORD '$PGPASSWORD_VALUE' CREATEDB" >&2
fi
if [[ "$(psql_pg -c "SELECT 1 FROM pg_database WHERE datname='$PGDATABASE_NAME'")" != "1" ]]; then
    psql_pg -c "CREATE DATABASE $PGDATABASE_NAME OWNER $PGUSER_NAME ENCODING 'UTF8'" >&2
fi

echo "postgresql+psycopg://$PGUSER_NAME:$PGPASSWORD_VALUE@127.0.0.1:$PGPORT/$PGDATABASE_NAME"
