#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of smart-accounts-store (real server, no mocks).
#
#   eval "$(scripts/pg.sh start)"   # prints SMART_ACCOUNTS_PG=<url> and SMART_ACCOUNTS_PG_DIR=<dir>
#   scripts/pg.sh stop [DIR]        # stops the server of DIR (default: $SMART_ACCOUNTS_PG_DIR)
#                                   # and removes DIR
#
# `start` uses the system's PostgreSQL (PATH, then /usr/lib/postgresql/*/bin); when there is
# none it installs the Debian package `postgresql` with apt-get. The cluster lives in a fresh
# temporary directory, owned by an unprivileged user when run as root (PostgreSQL refuses to run
# as root): the `postgres` system user, created if missing. The server listens on 127.0.0.1 on a
# free port and on a Unix socket in that directory, trusts local connections (no password), and
# runs with fsync off: it is for tests and thrown away. Everything but the two variable lines
# goes to standard error, so that `eval "$(...)"` sees only them.
set -euo pipefail

log() { printf 'pg.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_bin_dir() {
  local initdb
  if initdb=$(command -v initdb 2>/dev/null); then
    initdb=$(readlink -f "$initdb")
    dirname "$initdb"
    return 0
  fi
  local dir
  # The newest version first.
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$dir/initdb" ]]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

install_postgres() {
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL (initdb) not found and not root: install the package 'postgresql'"
  command -v apt-get >/dev/null || die "PostgreSQL (initdb) not found and no apt-get to install it"
  log "initdb not found: installing the Debian package postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2 || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
}

# A TCP port on 127.0.0.1 that nothing listens on now.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  local bin
  if ! bin=$(find_bin_dir); then
    install_postgres
    bin=$(find_bin_dir) || die "PostgreSQL installed but initdb still not found"
  fi
  log "using PostgreSQL from $bin ($("$bin/postgres" --version))"

  local dir run_as=()
  dir=$(mktemp -d "${TMPDIR:-/tmp}/smart-accounts-pg.XXXXXX")
  if [[ $(id -u) -eq 0 ]]; then
    if ! id postgres >/dev/null 2>&1; then
      log "creating the system user postgres"
      useradd --system --no-create-home --shell /usr/sbin/nologin postgres \
        || die "could not create the system user postgres"
    fi
    chown postgres: "$dir"
    run_as=(runuser -u postgres --)
  fi
  chmod 700 "$dir"

  if ! "${run_as[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 \
      --no-locale --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed (log above)"
  fi

  local port attempt started=0
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
    port_in_use "$port" && continue
    if "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >&2; then
      started=1
      break
    fi
    log "server did not start on port $port (attempt $attempt); server log:"
    tail -n 20 "$dir/server.log" >&2 || true
  done
  if [[ $started -ne 1 ]]; then
    rm -rf "$dir"
    die "PostgreSQL did not start"
  fi

  local ready=0
  for attempt in $(seq 1 60); do
    if "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
      ready=1
      break
    fi
    sleep 0.5
  done
  if [[ $ready -ne 1 ]]; then
    tail -n 50 "$dir/server.log" >&2 || true
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    rm -rf "$dir"
    die "PostgreSQL started but is not ready after 30 s (server log above)"
  fi
  echo "$bin" >"$dir/bin"

  local url="postgresql://postgres@127.0.0.1:$port/postgres"
  log "PostgreSQL ready at $url (directory $dir)"
  printf 'export SMART_ACCOUNTS_PG=%q\n' "$url"
  printf 'export SMART_ACCOUNTS_PG_DIR=%q\n' "$dir"
}

stop() {
  local dir=${1:-${SMART_ACCOUNTS_PG_DIR:-}}
  [[ -n "$dir" ]] || die "stop: no directory given and SMART_ACCOUNTS_PG_DIR is not set"
  [[ -d "$dir/data" ]] || die "stop: $dir is not a directory made by pg.sh start"
  local bin run_as=()
  bin=$(cat "$dir/bin" 2>/dev/null || find_bin_dir) || die "stop: PostgreSQL binaries not found"
  [[ $(id -u) -eq 0 ]] && run_as=(runuser -u postgres --)
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >&2 \
      || "${run_as[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 \
      || log "warning: pg_ctl stop failed"
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start | stop [DIR]" >&2; exit 2 ;;
esac
