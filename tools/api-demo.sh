#!/usr/bin/env bash
# The main job over HTTP: start glance-tasks-api on loopback (embedded
# defaults: SQLite under ./state-api, local executor, noauth), create a
# task with curl, print every status it goes through, show what a bad
# request gets, then stop the server with SIGTERM.
#
#   bash tools/api-demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/run-tests.sh --setup-only
export PATH="$PWD/.venv/bin:$PATH"

state="$PWD/state-api"
mkdir -p "$state"
conf="$state/glance-tasks.conf"
cat >"$conf" <<CONF
[DEFAULT]
state_path = $state
bind_host = 127.0.0.1
bind_port = 0
[task]
enabled_task_types = noop
[api]
auth_strategy = noauth
CONF

glance-tasks-manage --config-file "$conf" db sync
log="$state/api.log"
glance-tasks-api --config-file "$conf" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT

url=""
for _ in $(seq 100); do
    url=$(sed -n 's/^glance-tasks-api listening on \(http[^ ]*\)\/$/\1/p' \
          "$log" | head -n 1)
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "api-demo: server did not start"; exit 1; }
echo "== glance-tasks-api at $url"

who=(-H 'X-Project-Id: demo-project' -H 'X-User-Id: demo-user'
     -H 'X-Roles: member,reader')
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

echo "== POST /v2/tasks"
task=$(curl -sf "${who[@]}" -H 'Content-Type: application/json' \
       -d '{"type": "noop", "input": {"atoms": 3, "sleep": 0.2}}' \
       "$url/v2/tasks")
echo "$task"
self=$(echo "$task" | field "['self']")

echo "== statuses of $self"
last=""
for _ in $(seq 200); do
    shown=$(curl -sf "${who[@]}" "$url$self")
    status=$(echo "$shown" | field "['status']")
    if [ "$status" != "$last" ]; then
        echo "  $status"
        last=$status
    fi
    case $status in success|failure) break ;; esac
    sleep 0.05
done
echo "$shown"

echo "== GET /v2/tasks?status=done (a bad request)"
curl -s "${who[@]}" "$url/v2/tasks?status=done"; echo

kill -TERM "$pid"
wait "$pid"
trap - EXIT
echo "== glance-tasks-api stopped"
[ "$last" = success ]
