#!/usr/bin/env bash
# Create/refresh ./.venv from uv.lock (runtime deps + dev group).
# Idempotent: on an already set-up checkout this is a no-op `uv sync` (well under a second).
#
# Overrides (optional):
#   PYTHON312=/path/to/python3.12   interpreter to build the venv with
#   UV=/path/to/uv                  uv binary to use
set -euo pipefail

UV_VERSION="0.13.8"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

runs_312() {  # $1 = candidate interpreter; true if it runs and is CPython 3.12
    [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1
}

# --- 1. locate Python 3.12 ---------------------------------------------------
find_python() {
    if [ -n "${PYTHON312:-}" ]; then
        runs_312 "$PYTHON312" || die "PYTHON312=$PYTHON312 is not a working Python 3.12"
        printf '%s\n' "$PYTHON312"; return
    fi
    # PATH python3.12 only if it actually runs (an inactive pyenv shim exists but fails)
    if command -v python3.12 >/dev/null 2>&1 && runs_312 python3.12; then
        python3.12 -c 'import sys; print(sys.executable)'; return
    fi
    local pyenv_root cand
    if command -v pyenv >/dev/null 2>&1; then
        pyenv_root="$(pyenv root 2>/dev/null || true)"
    fi
    pyenv_root="${pyenv_root:-${PYENV_ROOT:-$HOME/.pyenv}}"
    # newest 3.12.x first
    while IFS= read -r cand; do
        if runs_312 "$cand"; then printf '%s\n' "$cand"; return; fi
    done < <(ls -1d "$pyenv_root"/versions/3.12*/bin/python3.12 2>/dev/null | sort -rV)
    for cand in /usr/local/bin/python3.12 /usr/bin/python3.12; do
        if runs_312 "$cand"; then printf '%s\n' "$cand"; return; fi
    done
    die "Python 3.12 not found (tried PATH python3.12, $pyenv_root/versions/3.12*/bin/python3.12, /usr/{local/,}bin/python3.12). Install it or set PYTHON312=/path/to/python3.12."
}
PY="$(find_python)"

# --- 2. locate (or install) uv ------------------------------------------------
uv_ok() { [ -n "$1" ] && "$1" --version >/dev/null 2>&1; }

find_uv() {
    if [ -n "${UV:-}" ]; then
        uv_ok "$UV" || die "UV=$UV is not a runnable uv"
        printf '%s\n' "$UV"; return
    fi
    if command -v uv >/dev/null 2>&1 && uv_ok uv; then
        printf 'uv\n'; return
    fi
    # installed for the system python3 but no shim / not on PATH (e.g. pyenv not rehashed)
    local p
    p="$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || true)"
    if uv_ok "$p"; then printf '%s\n' "$p"; return; fi
    command -v python3 >/dev/null 2>&1 || die "uv not found and no python3 to install it with"
    log "installing uv==$UV_VERSION with $(command -v python3) -m pip"
    local piplog
    piplog="$(mktemp)"
    if ! PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
            "uv==$UV_VERSION" >"$piplog" 2>&1; then
        cat "$piplog" >&2; rm -f "$piplog"
        die "pip install uv==$UV_VERSION failed"
    fi
    rm -f "$piplog"
    command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
    p="$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || true)"
    uv_ok "$p" || die "uv installed but its binary could not be located"
    printf '%s\n' "$p"
}
UV_BIN="$(find_uv)"

# --- 3. sync .venv from the lock ---------------------------------------------
export UV_PYTHON_DOWNLOADS=never      # no python downloads here; use the interpreter found above
export UV_PROJECT_ENVIRONMENT="$ROOT/.venv"
unset VIRTUAL_ENV                      # avoid "VIRTUAL_ENV does not match" warnings

if [ ! -x .venv/bin/python ]; then
    log "creating .venv with $PY (first run downloads/installs dependencies; may take a minute)"
fi
"$UV_BIN" sync --frozen --quiet --python "$PY" \
    || die "uv sync failed (if pyproject.toml changed, run: $UV_BIN lock --python $PY)"

# Byte-compile the installed packages once per lock file: where PYTHONDONTWRITEBYTECODE is set
# (as on these machines) Python never caches bytecode itself, and every process would compile
# numba, scipy and pandas from source again (seconds of start-up for each CLI call and job).
LOCK_HASH="$(sha256sum uv.lock | cut -c1-16)"
if [ "$(cat .venv/.bytecode 2>/dev/null)" != "$LOCK_HASH" ]; then
    log "byte-compiling .venv (once per lock file)"
    .venv/bin/python -m compileall -q -j 0 .venv/lib/python3.*/site-packages >/dev/null 2>&1 || true
    echo "$LOCK_HASH" > .venv/.bytecode
fi

log ".venv ready ($(.venv/bin/python -c 'import platform; print("Python", platform.python_version())'), uv $("$UV_BIN" --version | awk '{print $2}'))"
