#!/usr/bin/env bash
# Makes sure `docker compose` (the Compose v2+ CLI plugin) works for the docker client on this
# machine, so that `docker compose config` can validate docker-compose.yml without any engine.
#
#   - no `docker` client at all   -> prints "docker-client-absent: ..." and exits 0 (nothing to do)
#   - `docker compose version` ok -> prints nothing and exits 0
#   - otherwise                   -> builds the plugin from the Go module proxy with the local Go,
#                                    caches the binary under
#                                    ${XDG_CACHE_HOME:-~/.cache}/blog-migration/docker-compose-<version>/
#                                    and installs it as ${DOCKER_CONFIG:-~/.docker}/cli-plugins/docker-compose
#
# Quiet on success; on failure prints one line starting with "ensure-compose: error:" to stderr
# and exits 1 (the full build log, if any, is kept in the cache folder).
#
# The module is github.com/docker/compose/v5 (Compose moved from /v2 to /v5 with its v5 releases).
# v5 go.mod files carry `exclude` directives, so `go install <module>/cmd@<version>` refuses
# them; the script downloads the module source with `go mod download` and runs `go build ./cmd`
# inside it instead. If the local Go is too old for v5 it falls back to the last v2 release.
# Override with COMPOSE_MODULE + COMPOSE_VERSION (+ COMPOSE_MIN_GO) if needed.
set -euo pipefail

say_error() {
  echo "ensure-compose: error: $*" >&2
  exit 1
}

if ! command -v docker >/dev/null 2>&1; then
  echo "docker-client-absent: no docker client on PATH, nothing to do"
  exit 0
fi

if docker compose version >/dev/null 2>&1; then
  exit 0
fi

command -v go >/dev/null 2>&1 ||
  say_error "Go is not installed (needed to build the docker compose plugin; install Go >= 1.24.9 or the docker-compose-plugin package)"

# version_ge A B: true when Go version A >= B (both like 1.26.8)
version_ge() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

go_version="$(go env GOVERSION 2>/dev/null || true)"
go_version="${go_version#go}"
go_version="${go_version%%[-+ ]*}"
[ -n "$go_version" ] || say_error "could not read the Go version from 'go env GOVERSION'"

if [ -n "${COMPOSE_MODULE:-}" ] || [ -n "${COMPOSE_VERSION:-}" ]; then
  if [ -z "${COMPOSE_MODULE:-}" ] || [ -z "${COMPOSE_VERSION:-}" ]; then
    say_error "set both COMPOSE_MODULE and COMPOSE_VERSION, or neither"
  fi
  module="$COMPOSE_MODULE"
  version="$COMPOSE_VERSION"
  min_go="${COMPOSE_MIN_GO:-1.0}"
elif version_ge "$go_version" 1.26.8; then
  module=github.com/docker/compose/v5
  version=v5.6.0 # go.mod says go 1.26.8 (v5.7.0 needs 1.26.10)
  min_go=1.26.8
else
  module=github.com/docker/compose/v2
  version=v2.40.3 # last v2 release; go.mod says go 1.24.9
  min_go=1.24.9
fi
version_ge "$go_version" "$min_go" ||
  say_error "Go $go_version is too old to build $module@$version (needs >= $min_go)"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/blog-migration"
cache_dir="$cache_root/docker-compose-$version"
cached_bin="$cache_dir/docker-compose"
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
plugin="$plugin_dir/docker-compose"
log="$cache_dir/build.log"

mkdir -p "$cache_dir" "$plugin_dir" || say_error "cannot create $cache_dir or $plugin_dir"

# One build at a time (parallel test runs share the cache).
exec 9>"$cache_dir/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi

# Runs in a subshell with output going to the log. `set -e` does not apply on the left of `||`,
# so every step checks its own status.
build_plugin() (
  # GOTOOLCHAIN=local: never fetch another Go toolchain behind the user's back.
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false -mod=readonly"
  json="$(go mod download -json "$module@$version")" || { printf "%s\n" "$json" | grep "\"Error\"" ; exit 1; }
  src_dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  if [ -z "$src_dir" ] || [ ! -d "$src_dir/cmd" ]; then
    echo "no source folder for $module@$version"
    exit 1
  fi
  cd "$src_dir" || exit 1
  go build -trimpath -ldflags "-s -w -X $module/internal.Version=$version" -o "$cached_bin.tmp" ./cmd ||
    exit 1
  chmod +x "$cached_bin.tmp" && mv -f "$cached_bin.tmp" "$cached_bin"
)

if [ ! -x "$cached_bin" ]; then
  build_plugin >"$log" 2>&1 ||
    say_error "building $module@$version with Go $go_version failed ($(tail -n1 "$log" 2>/dev/null)); full log: $log"
fi

# Install (copy, so a cleaned cache does not break the plugin); replace atomically.
if ! { cp -f "$cached_bin" "$plugin.tmp.$$" && chmod +x "$plugin.tmp.$$" && mv -f "$plugin.tmp.$$" "$plugin"; }; then
  say_error "cannot install the plugin at $plugin"
fi

docker compose version >/dev/null 2>&1 ||
  say_error "installed $plugin but 'docker compose version' still fails: $(docker compose version 2>&1 | tail -n1)"
exit 0
