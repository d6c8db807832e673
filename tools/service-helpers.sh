# Shell functions shared by tools/start-services.sh and
# tools/start-keystone.sh: start daemons detached from the caller's pipes,
# poll until they answer, show their logs on failure.  Source it; it sets
# no options and runs nothing.

# Print the end of a log file to stderr, to explain a failure.
show_log() {
    local f
    for f in "$@"; do
        [ -r "$f" ] || continue
        echo "----- last lines of $f -----" >&2
        tail -n 40 "$f" >&2 || true
    done
}

# --- process helpers -----------------------------------------------------

# In a subshell: close every inherited descriptor above 2, then exec "$@" in
# a new session with stdin from /dev/null and output appended to a log.
# A daemon started from here must not keep open the pipes of whoever ran
# this script: CI reads .ci/run's output until the pipe closes, and a
# daemon holding it would make the run hang until the time limit.
_exec_detached() {
    local logfile=$1 fd
    shift
    for fd in $(ls "/proc/$BASHPID/fd"); do
        if [ "$fd" -gt 2 ]; then
            eval "exec $fd>&-" 2>/dev/null || true
        fi
    done
    exec setsid -w "$@" </dev/null >>"$logfile" 2>&1
}

# Run a command that starts a daemon and returns (pg_ctlcluster, a
# self-daemonizing redis); its status is the command's status.
run_logged() { ( _exec_detached "$@" ); }

# Start a daemon that stays in the foreground, in the background.
run_background() { ( _exec_detached "$@" ) & }

# wait_for SECONDS COMMAND...: poll COMMAND every second until it succeeds;
# fail once SECONDS have passed.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        if ((SECONDS >= deadline)); then
            return 1
        fi
        sleep 1
    done
}

# True when something accepts TCP connections on HOST PORT.
port_open() {
    timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}
