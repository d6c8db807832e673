#!/usr/bin/env bash
# The service's main job on its embedded defaults: SQLite under ./state,
# the local executor, notifications to the log. Builds .venv on first use
# (shared with tools/run-tests.sh), then runs glance-tasks-demo, which
# prints the status tables and shows one task succeed and one fail.
#
#   bash tools/demo.sh [--config-file FILE ...]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/run-tests.sh --setup-only
exec .venv/bin/glance-tasks-demo "$@"
