#!/usr/bin/env bash
# pnpm e2e: the end-to-end run with a real Kamailio SBC, the sbc-agent, the server and sipp calls.
# Installs its Debian packages when missing, builds what it runs, and stops every process it
# started, also when it fails.
#   pnpm e2e                        the suite (CI)
#   pnpm e2e --load RATE SECONDS    the load stage instead: calls at RATE per second for SECONDS
#     [--stop agent|api SECONDS]    with the agent or the API stopped that long, 5 s into the run
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--load" ]; then
  if ! [[ "${2:-}" =~ ^[1-9][0-9]*$ && "${3:-}" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: pnpm e2e --load RATE SECONDS   (calls per second, and how long)" >&2
    exit 64
  fi
  export E2E_LOAD_RATE="$2" E2E_LOAD_SECONDS="$3"
  shift 3
  if [ "${1:-}" = "--stop" ]; then
    if ! [[ "${2:-}" =~ ^(agent|api)$ && "${3:-}" =~ ^[1-9][0-9]*$ ]]; then
      echo "usage: pnpm e2e --load RATE SECONDS --stop agent|api SECONDS" >&2
      exit 64
    fi
    export E2E_LOAD_FAULT="$2:$3"
    shift 3
  fi
fi

packages=(kamailio kamailio-extra-modules sip-tester)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "e2e: installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

pnpm exec turbo run build --filter=@sbc/server... --filter=@sbc/sbc-agent... --filter=@sbc/client... --output-logs=errors-only
pnpm exec tsc -p e2e

pid_file="$(mktemp)"
stop_all() {
  while read -r pid; do kill -TERM "$pid" 2>/dev/null || true; done < "$pid_file"
  sleep 1
  while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done < "$pid_file"
  rm -f "$pid_file"
}
trap stop_all EXIT

E2E_PID_FILE="$pid_file" pnpm exec vitest run --config e2e/vitest.config.ts "$@"
