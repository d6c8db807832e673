#!/usr/bin/env bash
# Install and start the real services the glance_tasks tests talk to:
# MariaDB, PostgreSQL, RabbitMQ, Redis and ZooKeeper (plus qemu-utils and
# graphviz, which are tools rather than servers), and Keystone through
# tools/start-keystone.sh.
#
# The machines this runs on (developer boxes and CI) are Debian 12 without
# systemd, and policy-rc.d forbids invoke-rc.d, so every daemon is started
# by hand with its own command, then polled until it really answers.
#
# Safe to run any number of times: packages already installed are not
# reinstalled, a service that already answers is left alone, and the test
# accounts are created with idempotent SQL.
#
# Needs root.  Logs of the start commands go to $GLANCE_TASKS_SERVICES_LOG_DIR
# (default /var/log/glance-tasks-services).
set -euo pipefail

LOG_DIR=${GLANCE_TASKS_SERVICES_LOG_DIR:-/var/log/glance-tasks-services}

# The credentials oslo.db's opportunistic test fixtures look for.
CITEST=openstack_citest

# Debian package names.  The client packages are dependencies of the
# servers anyway; they are listed because this script uses them.
PACKAGES=(
    mariadb-server mariadb-client
    postgresql postgresql-client
    rabbitmq-server
    redis-server redis-tools
    zookeeper zookeeperd
    qemu-utils graphviz
)

log() { echo "[start-services] $*"; }
die() { echo "[start-services] ERROR: $*" >&2; exit 1; }

# show_log, run_logged, run_background, wait_for, port_open.
# shellcheck source=tools/service-helpers.sh
. "$(dirname "${BASH_SOURCE[0]}")/service-helpers.sh"

# --- packages --------------------------------------------------------------

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" \
                != installed ]; then
            missing+=("$p")
        fi
    done
    if ((${#missing[@]} == 0)); then
        log "packages: all installed"
        return
    fi
    log "packages: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Only refresh the package lists when something must be installed: a
    # fresh machine's lists may be stale or absent.
    apt-get -o DPkg::Lock::Timeout=300 update -qq >>"$LOG_DIR/apt.log" 2>&1 \
        || { show_log "$LOG_DIR/apt.log"; die "apt-get update failed"; }
    # Keep the configuration files already there (no prompts: no stdin in CI).
    apt-get -o DPkg::Lock::Timeout=300 install -y -q \
        --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 \
        || { show_log "$LOG_DIR/apt.log"; die "apt-get install failed"; }
}

# --- MariaDB (port 3306) ---------------------------------------------------

# Debian's MariaDB root account authenticates by unix socket, so root needs
# no password here.
mysql_root() { mysql --protocol=socket -uroot "$@"; }
mariadb_up() { mysqladmin --protocol=socket -uroot ping >/dev/null 2>&1; }

start_mariadb() {
    if mariadb_up; then
        log "MariaDB: already running"
    else
        log "MariaDB: starting"
        install -d -o mysql -g mysql -m 0755 /run/mysqld
        install -d -o mysql -g adm -m 2750 /var/log/mysql
        if [ ! -d /var/lib/mysql/mysql ]; then
            # The package's postinst normally does this.
            run_logged "$LOG_DIR/mariadb.log" mariadb-install-db \
                --user=mysql --datadir=/var/lib/mysql \
                || die "MariaDB: mariadb-install-db failed"
        fi
        # mysqld_safe is what Debian's init script runs.  Debian sends its
        # errors to syslog, which is absent here: use a file instead.
        # innodb_flush_log_at_trx_commit=2 is crash-safe for the data files
        # and spares the schema-heavy tests an fsync per commit.
        run_background "$LOG_DIR/mariadb.log" mysqld_safe --user=mysql \
            --skip-syslog --log-error=/var/log/mysql/error.log \
            --innodb-flush-log-at-trx-commit=2
    fi
    if ! wait_for 90 mariadb_up; then
        show_log "$LOG_DIR/mariadb.log" /var/log/mysql/error.log
        die "MariaDB did not answer within 90 s"
    fi
    port_open 127.0.0.1 3306 || die "MariaDB does not listen on 127.0.0.1:3306"

    # The oslo.db test account, reachable as localhost (how MariaDB names a
    # TCP client on 127.0.0.1 and a socket client) and as 127.0.0.1.
    mysql_root <<SQL || die "MariaDB: creating the $CITEST account failed"
CREATE DATABASE IF NOT EXISTS $CITEST;
CREATE USER IF NOT EXISTS '$CITEST'@'localhost' IDENTIFIED BY '$CITEST';
CREATE USER IF NOT EXISTS '$CITEST'@'127.0.0.1' IDENTIFIED BY '$CITEST';
ALTER USER '$CITEST'@'localhost' IDENTIFIED BY '$CITEST';
ALTER USER '$CITEST'@'127.0.0.1' IDENTIFIED BY '$CITEST';
GRANT ALL PRIVILEGES ON *.* TO '$CITEST'@'localhost' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '$CITEST'@'127.0.0.1' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
    # Check the account the way the tests will use it: over TCP.
    mysql -h 127.0.0.1 -u"$CITEST" -p"$CITEST" -e 'SELECT 1' "$CITEST" \
        >/dev/null || die "MariaDB: $CITEST cannot log in over TCP"
    log "MariaDB: up on 127.0.0.1:3306, account $CITEST ready"
}

# --- PostgreSQL (port 5432) ------------------------------------------------

PG_VER=
PG_NAME=
PG_PORT=

# Pick the first cluster pg_lsclusters knows, creating one if there is none.
find_pg_cluster() {
    local line
    line=$(pg_lsclusters -h 2>/dev/null | head -n 1)
    if [ -z "$line" ]; then
        local ver
        ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        log "PostgreSQL: creating cluster $ver/main"
        run_logged "$LOG_DIR/postgresql.log" pg_createcluster "$ver" main \
            || die "PostgreSQL: pg_createcluster failed"
        line=$(pg_lsclusters -h | head -n 1)
    fi
    read -r PG_VER PG_NAME PG_PORT _ <<<"$line"
    [ "$PG_PORT" = 5432 ] \
        || die "PostgreSQL cluster $PG_VER/$PG_NAME uses port $PG_PORT; oslo.db expects 5432"
}

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

# psql as the postgres superuser over the unix socket (peer auth).
pg_admin() {
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 \
        -p "$PG_PORT" "$@")
}

# oslo.db connects as openstack_citest with a password over TCP.  Put a
# password rule for that role first in pg_hba.conf (the first matching line
# wins), whatever the rest of the file says.  Returns 0 if it changed it.
ensure_pg_hba() {
    local hba="/etc/postgresql/$PG_VER/$PG_NAME/pg_hba.conf"
    local marker="# glance_tasks tests: password auth over TCP for $CITEST"
    grep -qF "$marker" "$hba" && return 1
    local tmp
    tmp=$(mktemp)
    {
        echo "$marker"
        echo "host    all    $CITEST    127.0.0.1/32    scram-sha-256"
        echo "host    all    $CITEST    ::1/128         scram-sha-256"
        echo
        cat "$hba"
    } >"$tmp"
    cat "$tmp" >"$hba"   # keep the file's owner and mode
    rm -f "$tmp"
    log "PostgreSQL: added password rules for $CITEST to $hba"
    return 0
}

start_postgresql() {
    find_pg_cluster
    local hba_changed=no
    ensure_pg_hba && hba_changed=yes
    if pg_up; then
        log "PostgreSQL: $PG_VER/$PG_NAME already running"
        if [ "$hba_changed" = yes ]; then
            run_logged "$LOG_DIR/postgresql.log" \
                pg_ctlcluster "$PG_VER" "$PG_NAME" reload \
                || die "PostgreSQL: reload failed"
        fi
    else
        log "PostgreSQL: starting $PG_VER/$PG_NAME"
        # pg_ctlcluster works without systemd; it waits for the server.
        # synchronous_commit=off loses at most the last commits on a crash,
        # never consistency, and speeds up the tests.
        if ! run_logged "$LOG_DIR/postgresql.log" \
                pg_ctlcluster "$PG_VER" "$PG_NAME" start \
                -- -o '-c synchronous_commit=off'; then
            show_log "$LOG_DIR/postgresql.log" \
                "/var/log/postgresql/postgresql-$PG_VER-$PG_NAME.log"
            die "PostgreSQL: pg_ctlcluster start failed"
        fi
    fi
    if ! wait_for 60 pg_up; then
        show_log "/var/log/postgresql/postgresql-$PG_VER-$PG_NAME.log"
        die "PostgreSQL did not answer within 60 s"
    fi

    pg_admin <<SQL || die "PostgreSQL: creating the $CITEST role failed"
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$CITEST') THEN
        CREATE ROLE $CITEST;
    END IF;
END
\$\$;
ALTER ROLE $CITEST WITH LOGIN SUPERUSER CREATEDB PASSWORD '$CITEST';
SELECT 'CREATE DATABASE $CITEST OWNER $CITEST'
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$CITEST')
\gexec
SQL
    # Check the account the way the tests will use it.
    PGPASSWORD=$CITEST psql -X -q -h localhost -p "$PG_PORT" -U "$CITEST" \
        -d postgres -tAc 'SELECT 1' >/dev/null \
        || die "PostgreSQL: $CITEST cannot log in with its password over TCP"
    log "PostgreSQL: up on localhost:$PG_PORT, role $CITEST ready"
}

# --- Redis (port 6379) -----------------------------------------------------

redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

start_redis() {
    if redis_up; then
        log "Redis: already running"
    else
        log "Redis: starting"
        install -d -o redis -g redis -m 0755 /run/redis
        install -d -o redis -g adm -m 2750 /var/log/redis
        # Debian's redis.conf binds to localhost; --daemonize makes
        # redis-server fork and return once it is listening.
        run_logged "$LOG_DIR/redis.log" runuser -u redis -- \
            redis-server /etc/redis/redis.conf --daemonize yes \
            || { show_log "$LOG_DIR/redis.log" /var/log/redis/redis-server.log;
                 die "Redis: redis-server failed"; }
    fi
    if ! wait_for 30 redis_up; then
        show_log /var/log/redis/redis-server.log
        die "Redis did not answer PING on 127.0.0.1:6379 within 30 s"
    fi
    log "Redis: up on 127.0.0.1:6379"
}

# --- ZooKeeper (port 2181) -------------------------------------------------

# Send a four-letter command to ZooKeeper and print its answer.
zk_cmd() {
    timeout 5 bash -c \
        'exec 3<>/dev/tcp/127.0.0.1/2181 && printf %s "$0" >&3 && cat <&3' \
        "$1" 2>/dev/null
}
# "srvr" is the one four-letter command ZooKeeper >= 3.5 always allows, so
# this also recognizes a server that was started without our whitelist.
zk_up() { zk_cmd srvr | grep -q '^Mode:'; }

start_zookeeper() {
    if zk_up; then
        log "ZooKeeper: already running"
        return
    fi
    log "ZooKeeper: starting"
    # Same java command as Debian's /etc/init.d/zookeeper, from the same
    # settings file (JAVA, CLASSPATH, ZOOMAIN, ZOOCFG, ZOO_LOG_DIR, ...).
    (
        # shellcheck disable=SC1091
        . /etc/zookeeper/conf/environment
        local data_dir
        data_dir=$(sed -n 's/^dataDir=//p' "$ZOOCFG" | tail -n 1)
        install -d -o zookeeper -g zookeeper "${data_dir:-/var/lib/zookeeper}"
        install -d -o zookeeper -g zookeeper "$ZOO_LOG_DIR"
        # A small heap (the JVM would take a quarter of the RAM), "ruok"
        # and friends allowed, and no admin web server on port 8080.
        # shellcheck disable=SC2086
        run_background "$LOG_DIR/zookeeper.log" runuser -u zookeeper -- \
            "$JAVA" -cp "$CLASSPATH" -Xmx256m $JAVA_OPTS \
            -Dzookeeper.log.dir="$ZOO_LOG_DIR" \
            -Dzookeeper.root.logger="$ZOO_LOG4J_PROP" \
            -Dzookeeper.4lw.commands.whitelist=ruok,srvr,stat,mntr,conf \
            -Dzookeeper.admin.enableServer=false \
            "$ZOOMAIN" "$ZOOCFG"
    )
}

wait_zookeeper() {
    if ! wait_for 90 zk_up; then
        show_log "$LOG_DIR/zookeeper.log" /var/log/zookeeper/zookeeper.log
        die "ZooKeeper did not answer on 127.0.0.1:2181 within 90 s"
    fi
    log "ZooKeeper: up on 127.0.0.1:2181 ($(zk_cmd srvr | sed -n 's/^Mode: //p'))"
}

# --- RabbitMQ (port 5672) --------------------------------------------------

RABBIT_ENV=/etc/rabbitmq/rabbitmq-env.conf

# Name the node rabbit@localhost and listen on loopback only: the default
# node name uses the machine's host name, which need not resolve.
configure_rabbitmq() {
    install -d /etc/rabbitmq
    touch "$RABBIT_ENV"
    grep -q '^NODENAME=' "$RABBIT_ENV" \
        || echo 'NODENAME=rabbit@localhost' >>"$RABBIT_ENV"
    grep -q '^NODE_IP_ADDRESS=' "$RABBIT_ENV" \
        || echo 'NODE_IP_ADDRESS=127.0.0.1' >>"$RABBIT_ENV"
}

rabbit_ctl_up() { timeout 30 rabbitmqctl -q status >/dev/null 2>&1; }
rabbit_up() { port_open 127.0.0.1 5672 && rabbit_ctl_up; }

start_rabbitmq() {
    configure_rabbitmq
    if port_open 127.0.0.1 5672; then
        log "RabbitMQ: already running"
        return
    fi
    log "RabbitMQ: starting (this takes a while)"
    install -d -o rabbitmq -g rabbitmq -m 0755 /run/rabbitmq
    install -d -o rabbitmq -g rabbitmq -m 0750 /var/log/rabbitmq
    # Debian's wrapper, run as rabbitmq, execs the real server in the
    # foreground and writes /var/log/rabbitmq/startup_{log,err}.
    run_background "$LOG_DIR/rabbitmq.log" runuser -u rabbitmq -- \
        env RABBITMQ_PID_FILE=/run/rabbitmq/pid /usr/sbin/rabbitmq-server
}

wait_rabbitmq() {
    # The node first boots Erlang, then its database, then opens 5672.
    if ! wait_for 120 rabbit_up; then
        show_log "$LOG_DIR/rabbitmq.log" /var/log/rabbitmq/startup_log \
            /var/log/rabbitmq/startup_err
        die "RabbitMQ did not answer within 120 s"
    fi
    log "RabbitMQ: up on 127.0.0.1:5672 (user guest/guest)"
}

# --- main ------------------------------------------------------------------

main() {
    [ "$(id -u)" = 0 ] || die "run me as root: I install packages and start daemons"
    mkdir -p "$LOG_DIR"
    install_packages
    # The two slow starters (Erlang and the JVM) boot in the background
    # while the others are started one by one.
    start_rabbitmq
    start_zookeeper
    start_mariadb
    start_postgresql
    start_redis
    # Keystone installs from PyPI while Erlang and the JVM boot.
    bash "$(dirname "${BASH_SOURCE[0]}")/start-keystone.sh"
    wait_zookeeper
    wait_rabbitmq
    log "all services up"
}

main "$@"
