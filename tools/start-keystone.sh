#!/usr/bin/env bash
# Install and start a real Keystone on loopback for the glance_tasks tests,
# and register glance-tasks in its catalog the way the install guide tells
# an operator to.
#
# Keystone comes from PyPI (version $KEYSTONE_VERSION below) into its own
# virtualenv, $KS_VENV, with cheroot (its WSGI server here) and
# python-openstackclient (the registration commands).  It keeps its
# tokens in fernet keys and its data in SQLite under $KS_STATE, runs as the
# system user "keystone" and answers on http://127.0.0.1:5000/v3.
#
# What the tests (and a developer's shell) find afterwards:
#   /etc/glance-tasks-test/clouds.yaml   clouds "admin", "glance-tasks"
#                                        (the service user) "p1-reader",
#                                        "p1-member" and "p2-member"
#   /etc/glance-tasks-test/admin-openrc  the admin's OS_* variables
#   the catalog: service "glance-tasks" of type image, its public, internal
#   and admin endpoints http://127.0.0.1:9494 in RegionOne.
# These are test accounts on loopback with a known password, like oslo.db's
# openstack_citest: never point anything real at this Keystone.
#
# Safe to run any number of times: the virtualenv is reinstalled only when
# its requirements change, and a Keystone that already answers with the
# same registration is left alone.  tools/start-services.sh runs this; it
# also runs alone.  Needs root.  Logs go to $GLANCE_TASKS_SERVICES_LOG_DIR
# (default /var/log/glance-tasks-services).
set -euo pipefail

LOG_DIR=${GLANCE_TASKS_SERVICES_LOG_DIR:-/var/log/glance-tasks-services}

# Keystone 30.0.0 (2026.2) is the newest release; it supports Python 3.11
# to 3.13.  Debian 12's own Python (3.11) runs it.
KEYSTONE_VERSION=30.0.0
KS_REQUIREMENTS=("keystone==$KEYSTONE_VERSION" "cheroot>=10.0.0"
                 "python-openstackclient>=10.5.0")
PYTHON=/usr/bin/python3
KS_VENV=/opt/glance-tasks-keystone
KS_STATE=/var/lib/glance-tasks-keystone
KS_USER=keystone
KS_HOST=127.0.0.1
KS_PORT=5000
KS_URL=http://$KS_HOST:$KS_PORT/v3
REGION=RegionOne
# Where the tests look (glance_tasks/tests/functional/api/keystone.py).
TEST_DIR=/etc/glance-tasks-test
KS_CONF_DIR=$TEST_DIR/keystone
# The glance-tasks API of the tests: its default bind_port.
API_URL=http://127.0.0.1:9494
# One password for every test account (see above).
PASSWORD=glance-tasks-test

log() { echo "[start-keystone] $*"; }
die() { echo "[start-keystone] ERROR: $*" >&2; exit 1; }

# show_log, run_logged, run_background, wait_for, port_open.
# shellcheck source=tools/service-helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-helpers.sh"

# --- the virtualenv --------------------------------------------------------

install_keystone() {
    local stamp="$KS_VENV/.installed-from" want="${KS_REQUIREMENTS[*]}"
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        log "Keystone $KEYSTONE_VERSION: already installed in $KS_VENV"
        return
    fi
    if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
        # Debian ships the venv module's pip bootstrap separately.
        log "Keystone: installing python3-venv"
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
            install -y -q --no-install-recommends python3-venv \
            >>"$LOG_DIR/apt.log" 2>&1 \
            || { show_log "$LOG_DIR/apt.log"; die "apt-get install python3-venv failed"; }
    fi
    log "Keystone: installing ${KS_REQUIREMENTS[*]} into $KS_VENV"
    rm -rf "$KS_VENV"
    "$PYTHON" -m venv "$KS_VENV"
    "$KS_VENV/bin/pip" install -q "${KS_REQUIREMENTS[@]}" \
        >>"$LOG_DIR/keystone-pip.log" 2>&1 \
        || { show_log "$LOG_DIR/keystone-pip.log"; die "pip install failed"; }
    echo "$want" >"$stamp"
}

# --- configuration, keys, database ----------------------------------------

ks_manage() {
    # keystone-manage logs to stderr; keep it out of CI's output.
    "$KS_VENV/bin/keystone-manage" --config-file "$KS_CONF_DIR/keystone.conf" \
        "$@" >>"$LOG_DIR/keystone-manage.log" 2>&1 \
        || { show_log "$LOG_DIR/keystone-manage.log"; die "keystone-manage $1 failed"; }
}

ks_manage_as_keystone() {
    runuser -u "$KS_USER" -- "$KS_VENV/bin/keystone-manage" \
        --config-file "$KS_CONF_DIR/keystone.conf" "$@" \
        >>"$LOG_DIR/keystone-manage.log" 2>&1 \
        || { show_log "$LOG_DIR/keystone-manage.log"; die "keystone-manage $1 failed"; }
}

configure_keystone() {
    id -u "$KS_USER" >/dev/null 2>&1 \
        || useradd --system --home-dir "$KS_STATE" --no-create-home \
               --shell /usr/sbin/nologin "$KS_USER"
    install -d -o "$KS_USER" -g "$KS_USER" -m 0750 "$KS_STATE"
    install -d -o root -g "$KS_USER" -m 0750 "$KS_CONF_DIR"
    # Everything not set here is Keystone's default: a local SQL identity
    # backend, fernet tokens, no cache (so nothing else to run).
    install -o root -g "$KS_USER" -m 0640 /dev/stdin \
        "$KS_CONF_DIR/keystone.conf" <<CONF
# Written by tools/start-keystone.sh; rewritten on each run.
[DEFAULT]
use_stderr = true

[database]
connection = sqlite:///$KS_STATE/keystone.db

[identity]
# bcrypt's cheapest cost: the tests authenticate by password many times,
# and these passwords are public anyway.
password_hash_rounds = 4

[token]
provider = fernet

[fernet_tokens]
key_repository = $KS_STATE/fernet-keys

[credential]
key_repository = $KS_STATE/credential-keys
CONF
    # Both commands refuse to replace keys that exist: create them once.
    if [ -z "$(ls -A "$KS_STATE/fernet-keys" 2>/dev/null)" ]; then
        ks_manage fernet_setup --keystone-user "$KS_USER" \
            --keystone-group "$KS_USER"
    fi
    if [ -z "$(ls -A "$KS_STATE/credential-keys" 2>/dev/null)" ]; then
        ks_manage credential_setup --keystone-user "$KS_USER" \
            --keystone-group "$KS_USER"
    fi
    ks_manage_as_keystone db_sync
    # bootstrap creates what is missing and leaves the rest: the admin
    # user, project and role (with member and reader implied by admin),
    # RegionOne and the identity endpoints.
    ks_manage_as_keystone bootstrap --bootstrap-password "$PASSWORD" \
        --bootstrap-admin-url "$KS_URL" \
        --bootstrap-internal-url "$KS_URL" \
        --bootstrap-public-url "$KS_URL" \
        --bootstrap-region-id "$REGION"
}

# --- the server ------------------------------------------------------------

# True when GET /v3 answers 200 (plain bash: no curl on a fresh machine).
keystone_up() {
    timeout 5 bash -c 'exec 3<>"/dev/tcp/$0/$1" &&
        printf "GET /v3 HTTP/1.0\r\nHost: %s\r\n\r\n" "$0" >&3 &&
        head -n 1 <&3' "$KS_HOST" "$KS_PORT" 2>/dev/null | grep -q ' 200 '
}

# Serve Keystone's WSGI application with cheroot, in threads, in the
# foreground.  Not cheroot's own command line: Keystone parses sys.argv
# with oslo.config and refuses cheroot's arguments.
CHEROOT_MAIN='
import sys
from cheroot import wsgi
host, port = sys.argv[1], int(sys.argv[2])
del sys.argv[1:]
from keystone.wsgi import api
wsgi.Server((host, port), api.application, numthreads=8).safe_start()
'

start_keystone() {
    log "Keystone: starting on $KS_HOST:$KS_PORT"
    # The application finds keystone.conf through the environment.
    run_background "$LOG_DIR/keystone.log" runuser -u "$KS_USER" -- \
        env --chdir="$KS_STATE" OS_KEYSTONE_CONFIG_DIR="$KS_CONF_DIR" \
        "$KS_VENV/bin/python" -c "$CHEROOT_MAIN" "$KS_HOST" "$KS_PORT"
    if ! wait_for 60 keystone_up; then
        show_log "$LOG_DIR/keystone.log"
        die "Keystone did not answer on $KS_URL within 60 s"
    fi
}

# --- what the tests read ---------------------------------------------------

write_cloud() {
    local name=$1 user=$2 project=$3
    cat <<YAML
  $name:
    auth:
      auth_url: $KS_URL
      username: $user
      password: $PASSWORD
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    identity_api_version: 3
YAML
}

write_client_files() {
    # World-readable: a developer runs the tests as himself.
    install -d -m 0755 "$TEST_DIR"
    {
        echo "# Written by tools/start-keystone.sh: the test Keystone's accounts."
        echo "clouds:"
        write_cloud admin admin admin
        write_cloud glance-tasks glance-tasks service
        write_cloud p1-reader p1-reader p1
        write_cloud p1-member p1-member p1
        write_cloud p2-member p2-member p2
    } | install -m 0644 /dev/stdin "$TEST_DIR/clouds.yaml"
    install -m 0644 /dev/stdin "$TEST_DIR/admin-openrc" <<ENV
# Written by tools/start-keystone.sh: ". $TEST_DIR/admin-openrc" makes
# openstack commands act as the test Keystone's admin.
export OS_AUTH_URL=$KS_URL
export OS_IDENTITY_API_VERSION=3
export OS_USERNAME=admin
export OS_PASSWORD=$PASSWORD
export OS_PROJECT_NAME=admin
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
ENV
}

# --- the registration --------------------------------------------------------

# Each command and its output go to the log, not to CI's output.
openstack() {
    echo "+ openstack $*" >>"$LOG_DIR/keystone-register.log"
    "$KS_VENV/bin/openstack" "$@" >>"$LOG_DIR/keystone-register.log" 2>&1
}

# The commands doc/source/admin/install.rst gives an operator, made
# idempotent (--or-show, or a look first).
register_glance_tasks() {
    # The service user keystonemiddleware validates tokens as: the
    # "service" role is all Keystone's policy asks for that.
    openstack project create --or-show --domain default \
        --description "Service Project" service
    openstack user create --or-show --domain default \
        --password "$PASSWORD" glance-tasks
    openstack role create --or-show service
    openstack role add --project service --user glance-tasks service
    if ! openstack service show glance-tasks; then
        openstack service create --name glance-tasks \
            --description "OpenStack Image tasks (glance-tasks)" image
    fi
    local interface
    for interface in public internal admin; do
        if [ -z "$("$KS_VENV/bin/openstack" endpoint list --service glance-tasks \
                --interface "$interface" --region "$REGION" -f value -c ID)" ]; then
            openstack endpoint create --region "$REGION" \
                image "$interface" "$API_URL"
        fi
    done
}

# The tests' users: a reader and a member of p1, a member of p2 (the
# bootstrap admin is the admin).
create_test_users() {
    local project user role
    for project in p1 p2; do
        openstack project create --or-show --domain default "$project"
    done
    for user in p1-reader:p1:reader p1-member:p1:member p2-member:p2:member; do
        IFS=: read -r user project role <<<"$user"
        openstack user create --or-show --domain default \
            --password "$PASSWORD" "$user"
        openstack role add --project "$project" --user "$user" "$role"
    done
}

# A digest of what registration does: a change to it registers again.
registration_digest() {
    { declare -f register_glance_tasks create_test_users; echo "$API_URL"; } \
        | sha256sum | cut -d' ' -f1
}

register() {
    local stamp="$KS_STATE/registered" want
    want=$(registration_digest)
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        log "Keystone: glance-tasks and the test users already registered"
        return
    fi
    log "Keystone: registering glance-tasks and the test users"
    (
        # shellcheck disable=SC1091
        . "$TEST_DIR/admin-openrc"
        register_glance_tasks
        create_test_users
    ) || { show_log "$LOG_DIR/keystone-register.log"; die "registration failed"; }
    echo "$want" >"$stamp"
}

main() {
    [ "$(id -u)" = 0 ] || die "run me as root: I install packages and start daemons"
    mkdir -p "$LOG_DIR"
    install_keystone
    write_client_files
    if keystone_up; then
        log "Keystone: already running"
    else
        configure_keystone
        start_keystone
    fi
    register
    log "Keystone: up on $KS_URL after ${SECONDS} s; accounts in $TEST_DIR/clouds.yaml"
}

main "$@"
