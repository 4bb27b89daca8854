#!/usr/bin/env bash
# Installs the Debian packages the SIP lab (test/lab) needs, only when something is missing.
# Idempotent: prints what it found / did; exits non-zero with a clear message when it cannot install.
#   bash test/lab/install-lab-deps.sh            # install what is missing
#   bash test/lab/install-lab-deps.sh --check    # only report, exit 1 if something is missing
set -euo pipefail

PACKAGES=(chromium kamailio kamailio-websocket-modules kamailio-extra-modules rtpengine-daemon sip-tester haproxy)
CHECK_ONLY=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

missing=()
for p in "${PACKAGES[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    :
  else
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-lab-deps: all present (${PACKAGES[*]})"
  exit 0
fi

echo "install-lab-deps: missing: ${missing[*]}"
if [[ $CHECK_ONLY -eq 1 ]]; then
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-lab-deps: ERROR: apt-get not found (not a Debian/Ubuntu machine); install manually: ${missing[*]}" >&2
  exit 2
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "install-lab-deps: ERROR: must run as root (or with passwordless sudo) to install: ${missing[*]}" >&2
    exit 3
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Serialise with other installers on this machine (apt's own lock fails fast instead of waiting).
LOCK=/tmp/dialer-apt.lock
run() { echo "+ $*"; "$@"; }
(
  flock -w 600 9 || { echo "install-lab-deps: ERROR: timed out waiting for $LOCK" >&2; exit 4; }
  run "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 update -qq
  run "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
) 9>"$LOCK" || { echo "install-lab-deps: ERROR: apt-get failed for: ${missing[*]}" >&2; exit 4; }

# No service should run on its own: the lab starts its own processes on free ports.
for svc in kamailio rtpengine-daemon; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    run "${SUDO[@]}" systemctl stop "$svc" || true
  fi
done

still=()
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || still+=("$p")
done
if [[ ${#still[@]} -gt 0 ]]; then
  echo "install-lab-deps: ERROR: still missing after install: ${still[*]}" >&2
  exit 5
fi
echo "install-lab-deps: installed: ${missing[*]}"
