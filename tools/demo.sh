#!/usr/bin/env bash
# The service's main job on its embedded defaults: SQLite under ./state,
# the local executor, notifications to the log. Builds .venv on first use
# (shared with tools/run-tests.sh), then runs tools/demo.py, which
# prints the status tables, shows one task succeed and one fail, and
# imports an image.
#
#   bash tools/demo.sh [--config-file FILE ...]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/run-tests.sh --setup-only
exec .venv/bin/python tools/demo.py "$@"
