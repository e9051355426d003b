# Shared helpers for scripts/run, scripts/test and .ci/run. Source it; do not run it.

DEPOT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Debian packages Depot builds and runs with.
DEPOT_APT_PACKAGES=(nginx libfcgi-dev pkg-config libsqlite3-dev zlib1g-dev libssl-dev libcurl4-openssl-dev libqrencode-dev libpq-dev libvips-dev curl)

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

# Installs the Debian packages that are missing (needs root or sudo).
ensure_packages() {
    local missing=()
    for package in "${DEPOT_APT_PACKAGES[@]}" "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Makes sure a Swift toolchain is on PATH.
ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        [ -x /opt/swift/usr/bin/swift ] && export PATH="$PATH:/opt/swift/usr/bin"
    fi
    command -v swift >/dev/null 2>&1 || { echo "swift not found: install Swift 6 (swift.org) and put it on PATH" >&2; exit 1; }
}

# Prints a free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until a Unix socket exists, up to $2 seconds.
wait_for_socket() {
    local path=$1 seconds=${2:-20}
    for _ in $(seq $((seconds * 10))); do
        [ -S "$path" ] && return 0
        sleep 0.1
    done
    return 1
}
