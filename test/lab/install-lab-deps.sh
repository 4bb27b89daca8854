#!/usr/bin/env bash
# Installs the Debian packages the tests need, only when something is missing (see install-lab-deps.ts,
# which uses the demo phone system's installer, src/demo-phone/debian-packages.ts).
#   bash test/lab/install-lab-deps.sh            # install what is missing
#   bash test/lab/install-lab-deps.sh --check    # only report, exit 1 if something is missing
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root" # tsx resolves from the working directory
exec node --import tsx test/lab/install-lab-deps.ts "$@"
