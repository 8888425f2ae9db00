#!/usr/bin/env bash
# Create the virtual environment and install segkit into it: what `make demo` and `make test`
# run on first use (the Makefile's venv stamps).
#
#   scripts/setup-venv.sh PYTHON VENV requirements.lock       the venv with segkit (make demo)
#   scripts/setup-venv.sh extras VENV requirements-test.lock  + test and Spark extras (make test)
#
# Four stages, one line each with its usual duration (wall times measured on a 2-core machine,
# README "Two commands"): the venv, the installer uv from PyPI (pip is the fallback when uv
# cannot be installed), the packages pinned in the lock file, the Jupyter kernel. A stage that
# runs longer than 20 s prints a "still ..." line every 20 s, so a slow download never looks
# like a hang; the installers' own output is shown only when they fail.
# (SEGKIT_HEARTBEAT=N changes the 20 s, for the tests.)
set -euo pipefail

usage="usage: setup-venv.sh PYTHON VENV LOCK, or setup-venv.sh extras VENV LOCK"
python=${1:?$usage}
venv=${2:?$usage}
lock=${3:?$usage}
mode=base
if [ "$python" = extras ]; then
    mode=extras
fi
bin="$venv/bin"
started=$(date +%s)

say() { echo "segkit set-up $*"; }

# run "$@" in the background; print "still <what> (N s)" every 20 s until it ends
with_heartbeat() {
    local what=$1 t=0 pid every=${SEGKIT_HEARTBEAT:-20}
    shift
    "$@" &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        t=$((t + 1))
        if ((t % every == 0)) && kill -0 "$pid" 2>/dev/null; then
            say "… still $what ($t s)"
        fi
    done
    wait "$pid"
}

# run "$@" with its output in a log, shown (last 30 lines) only when it fails
logged() {
    local log status=0
    log=$(mktemp "${TMPDIR:-/tmp}/segkit-setup.XXXXXX")
    "$@" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 30 "$log" >&2
    fi
    rm -f "$log"
    return "$status"
}

install_lock() {  # install_lock LOCK WHAT: the pinned packages, with uv or else pip
    if [ -x "$bin/uv" ]; then
        with_heartbeat "installing $2" logged "$bin/uv" pip install --python "$bin/python" -r "$1"
    else
        with_heartbeat "installing $2" logged \
            "$bin/python" -m pip install --disable-pip-version-check -r "$1"
    fi
}

if [ "$mode" = extras ]; then
    say "[test] test and Spark packages pinned in $lock (about 1.5 min, 20 s from uv's cache)"
    install_lock "$lock" "test and Spark packages"
    say "done in $(($(date +%s) - started)) s"
    exit 0
fi

"$python" -c 'import sys; assert sys.version_info >= (3, 11), "segkit needs Python >= 3.11"'

say "[1/4] virtual environment $venv with $("$python" -c 'import sys; print(sys.executable)') (about 5 s)"
logged "$python" -m venv "$venv"

say "[2/4] the installer uv from PyPI (about 5 s; pip is the fallback)"
if ! logged "$bin/python" -m pip install --disable-pip-version-check uv; then
    say "… uv could not be installed (output above); pip installs instead (about 5 min)"
fi

if [ -x "$bin/uv" ]; then
    say "[3/4] packages pinned in $lock with uv (about 1 min, 10 s from uv's cache)"
else
    say "[3/4] packages pinned in $lock with pip (about 4 min)"
fi
install_lock "$lock" packages
if [ -x "$bin/uv" ]; then
    logged "$bin/uv" pip install --python "$bin/python" --no-deps -e .
else
    logged "$bin/python" -m pip install --disable-pip-version-check --no-deps -e .
fi

say "[4/4] Jupyter kernel 'segkit' in $venv (about 2 s)"
logged "$bin/python" -m ipykernel install --sys-prefix --name segkit \
    --display-name 'segkit (Python 3)'

say "done in $(($(date +%s) - started)) s"
