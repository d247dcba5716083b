#!/usr/bin/env bash
# The fault suite (RELIABILITY.md): N leads (FAULT_LEADS, default 150) through worker SIGKILLs, a
# Redis outage, an SMTP outage and a Temporal server restart, on a stack of its own; prints the
# emails by Message-ID and the tasks by id, expected / delivered / duplicated. Exit code 1 when
# anything is missing or doubled. See scripts/faults.ts for the settings.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec npx tsx scripts/faults.ts "$@"
