# A throwaway PostgreSQL cluster from Debian's postgresql package: initdb into a folder, a Unix
# socket only (no TCP), trust for local connections. Runs as the postgres user when started as
# root (CI runs as root; PostgreSQL refuses to). Source this file, then:
#   postgres_start DIR   -> prints the libpq URL of database "depot" (also in $DEPOT_PG_URL)
#   postgres_stop DIR    -> stops the cluster (immediate), leaves the files
#   postgres_restart DIR

postgres_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$dir" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; return 1; }
    echo "$dir"
}

# Runs a command as the cluster's owner.
postgres_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_start() {
    local dir=$1 bin
    bin=$(postgres_bin) || return 1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir"; chmod 0755 "$dir"; fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        postgres_as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    # Unix socket in the cluster's folder; fsync off: a throwaway cluster for tests and local runs.
    postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -c fsync=${DEPOT_PG_FSYNC:-off} -c max_connections=300 -c shared_buffers=64MB" start >/dev/null \
        || { tail -20 "$dir/server.log" >&2; return 1; }
    postgres_as_owner "$bin/psql" -h "$dir" -U postgres -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = 'depot'" | grep -q 1 \
        || postgres_as_owner "$bin/createdb" -h "$dir" -U postgres depot
    DEPOT_PG_URL="postgresql://postgres@/depot?host=$dir"
    export DEPOT_PG_URL
    echo "$DEPOT_PG_URL"
}

postgres_stop() {
    local dir=$1 bin
    bin=$(postgres_bin) || return 1
    [ -f "$dir/data/postmaster.pid" ] || return 0
    postgres_as_owner "$bin/pg_ctl" -D "$dir/data" -m "${2:-fast}" -w stop >/dev/null 2>&1 || true
}
