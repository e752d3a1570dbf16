#!/usr/bin/env bash
# Stop the single-node SLURM cluster started by scripts/slurm_setup.sh (slurmd, slurmctld, munged).
# Leaves packages, /etc/slurm/slurm.conf, the munge key and the state/spool dirs in place, so a
# later scripts/slurm_setup.sh starts it again in a few seconds. Idempotent; needs root (exit 2).
set -euo pipefail

PREFIX="slurm_teardown"
if [ "$(id -u)" -ne 0 ]; then
    printf '%s: must run as root (it stops system daemons); try: sudo bash %s\n' "$PREFIX" "$0" >&2
    exit 2
fi

stop_pidfile() { # $1 = name, $2 = pid file: TERM the daemon it names, wait, KILL if needed
    local pid
    [ -s "$2" ] || return 0
    pid="$(cat "$2")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            printf '%s: %s (pid %s) ignored TERM for 10 s; killing it\n' "$PREFIX" "$1" "$pid" >&2
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$2"
}

stop_pidfile slurmd /run/slurm/slurmd.pid
stop_pidfile slurmctld /run/slurm/slurmctld.pid
stop_pidfile munged /run/munge/munged.pid
printf '%s: SLURM daemons stopped\n' "$PREFIX"
