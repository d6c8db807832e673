#!/usr/bin/env bash
# Run the whole glance_tasks test suite (unit and functional) with stestr.
#
#   bash tools/run-tests.sh [STESTR-RUN-ARGS...]   # e.g. a test filter regex
#   bash tools/run-tests.sh --setup-only           # only build the venv
#
# The virtualenv is .venv at the repository root; it is created on first use
# and reused after that.  Its packages are (re)installed when
# requirements.txt, test-requirements.txt or setup.cfg changed since the last
# install (delete .venv/.installed-from to force it).
#
# The last line printed is always "stestr: N passed, N failed, N skipped",
# and the exit status is non-zero if a test failed, stestr itself failed, or
# no test ran at all.
#
# Tests that need MySQL/PostgreSQL/RabbitMQ skip when those are absent unless
# GLANCE_TASKS_REQUIRE_SERVICES=1 (see glance_tasks/tests/base.py);
# tools/start-services.sh starts them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
# Two cores on the developer and CI machines: one test worker per core.
CONCURRENCY=2

setup_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        echo "run-tests: creating $VENV"
        # Debian ships the venv module separately (python3-venv); with
        # only Python and pip, fall back to virtualenv from PyPI.
        if ! python3 -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            # Debian marks its Python externally managed (PEP 668); a
            # --user install of one tool is what that message suggests.
            python3 -m pip install -q --user virtualenv 2>/dev/null ||
                python3 -m pip install -q --user --break-system-packages \
                    virtualenv
            python3 -m virtualenv -q "$VENV"
        fi
    fi
    # Reinstall only when the inputs changed: a no-op pip run still costs
    # many seconds of dependency resolution.
    local stamp="$VENV/.installed-from" want
    want=$(cat requirements.txt test-requirements.txt setup.cfg | sha256sum)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "run-tests: installing requirements into $VENV"
        # pbr computes the version from git metadata: this must run inside
        # a git clone, which a checkout always is.
        # The machines' pip.conf names local index folders that may not
        # exist; pip warns once per package about them.  Drop just those
        # warnings (the pipeline's status stays pip's: pipefail).
        "$VENV/bin/pip" install -q -r requirements.txt \
            -r test-requirements.txt -e . 2>&1 \
            | { grep -v "^WARNING: Location 'file:.*' is ignored" || true; }
        echo "$want" >"$stamp"
    fi
    install_uwsgi
}

# uWSGI is compiled by pip: with no compiler here, go on without it (its
# test skips, which fails a run that requires every service).
install_uwsgi() {
    local stamp="$VENV/.uwsgi-from" want
    want=$(sha256sum <uwsgi-requirements.txt)
    [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
    echo "run-tests: building uWSGI (uwsgi-requirements.txt)"
    if "$VENV/bin/pip" install -q -r uwsgi-requirements.txt \
            >"$VENV/uwsgi-install.log" 2>&1; then
        echo "$want" >"$stamp"
    else
        echo "run-tests: uWSGI could not be built (it needs gcc and the" \
            "Python headers; see $VENV/uwsgi-install.log); its test skips"
    fi
}

if [ "${1:-}" = "--setup-only" ]; then
    setup_venv
    exit 0
fi

setup_venv

# stestr starts its workers with "${PYTHON:-python}": put the venv first on
# PATH so that is the venv's interpreter.
export VIRTUAL_ENV="$PWD/$VENV"
export PATH="$VIRTUAL_ENV/bin:$PATH"

# Keep a copy of stestr's output to read its totals from: they describe
# exactly this run ("stestr last" would describe an older run if this one
# never started, e.g. on an import error during test discovery).
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# A passing test's logs and output are captured (glance_tasks/tests/base.py)
# and not printed: a failing test's are, with its traceback.  In CI
# (CI=true, as .ci/run runs) one character per test instead of one line:
# the reader wants the failures and the totals.
trace_args=(--suppress-attachments)
if [ "${CI:-}" = "true" ]; then
    trace_args+=(--abbreviate)
fi

# .stestr.conf points stestr at glance_tasks/tests: unit and functional.
rc=0
stestr run --concurrency "$CONCURRENCY" "${trace_args[@]}" "$@" 2>&1 \
    | tee "$out" || rc=$?

# stestr ends with a block like:
#   Ran: 12 tests in 3.4 sec.
#    - Passed: 10
#    - Skipped: 1
#    - Expected Fail: 0
#    - Unexpected Success: 0
#    - Failed: 1
total() {
    sed -n "s/^ - $1: \([0-9][0-9]*\)\$/\1/p" "$out" | tail -n 1
}
passed=$(total Passed)
skipped=$(total Skipped)
failed=$(total Failed)
xfail=$(total 'Expected Fail')
uxsuccess=$(total 'Unexpected Success')
# An expected failure counts as a pass, an unexpected success as a failure.
passed=$(( ${passed:-0} + ${xfail:-0} ))
failed=$(( ${failed:-0} + ${uxsuccess:-0} ))
skipped=${skipped:-0}

# stestr's last message may lack its newline; keep ours on lines of their own.
if [ -s "$out" ] && [ -n "$(tail -c 1 "$out")" ]; then
    echo
fi

status=0
if [ "$rc" -ne 0 ]; then
    echo "run-tests: stestr exited with status $rc"
    status=1
fi
if [ "$failed" -ne 0 ]; then
    status=1
fi
if [ $((passed + failed + skipped)) -eq 0 ]; then
    echo "run-tests: no test ran"
    status=1
fi
# With the services required (CI), a skip is a failure: every reason a
# test may skip (a missing server, qemu-img, uWSGI, ...) is something CI
# must have installed.
case "${GLANCE_TASKS_REQUIRE_SERVICES:-}" in
    '' | 0 | false | False) required=no ;;
    *) required=yes ;;
esac
if [ "$skipped" -ne 0 ] && [ "$required" = yes ]; then
    echo "run-tests: $skipped test(s) skipped although" \
        "GLANCE_TASKS_REQUIRE_SERVICES=1:"
    stestr last --subunit | python tools/skipped_tests.py || true
    status=1
fi
echo "stestr: $passed passed, $failed failed, $skipped skipped"
exit "$status"
