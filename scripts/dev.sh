#!/usr/bin/env bash
# One command for a working local dealflow: installs what is missing, then runs `dealflow dev`
# (Temporal dev server, Redis, SMTP catcher, worker and API; see README). Arguments go to `dealflow dev`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node bin/dealflow.js dev "$@"
