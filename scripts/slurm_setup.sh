#!/usr/bin/env bash
# Start a real single-node SLURM cluster on this machine (for the `slurm` tests and local sweeps).
#
#   sudo bash scripts/slurm_setup.sh        # prints one line when the cluster is ready
#   bash scripts/slurm_teardown.sh          # stops the daemons again
#
# What it does (idempotent; a re-run on a running cluster only checks it, ~1-2 s):
#   1. installs Debian `slurm-wlm munge` if slurmctld is missing (apt-get update + install);
#   2. creates /etc/munge/munge.key if absent (munge:munge, 0400) and starts munged as `munge`;
#   3. writes /etc/slurm/slurm.conf: one node = this machine (hostname -s, nproc CPUs,
#      `free -m` total minus a margin as RealMemory), partition `debug` (default), SlurmUser=root,
#      proctrack/linuxproc + task/none (no cgroups/systemd needed), no accounting;
#   4. starts slurmctld and slurmd as plain daemons (no systemd here), restarting them if the
#      config changed; waits (<= SLURM_WAIT_S, default 60 s) for the node to be idle, resuming it
#      if it comes up down/drained; checks that a job runs (`srun -N1 hostname`).
# Quiet unless something fails; on failure prints what went wrong plus the daemon log tails.
# Needs root (exit 2 otherwise). Only meant for throwaway CI / dev machines: it writes
# system files (/etc/munge, /etc/slurm, /var/spool/slurm*, /var/log/slurm, maybe /etc/hosts).
set -euo pipefail

PREFIX="slurm_setup"
WAIT_S="${SLURM_WAIT_S:-60}"
T0=$SECONDS

die() {
    printf '%s: ERROR: %s\n' "$PREFIX" "$*" >&2
    local f
    for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/munge/munged.log; do
        if [ -s "$f" ]; then
            printf -- '--- last lines of %s ---\n' "$f" >&2
            tail -n 15 "$f" >&2 || true
        fi
    done
    exit 1
}

if [ "$(id -u)" -ne 0 ]; then
    printf '%s: must run as root (it installs packages and starts system daemons); try: sudo bash %s\n' \
        "$PREFIX" "$0" >&2
    exit 2
fi

# Run a command quietly; show its output only if it fails.
quiet() {
    local log rc=0
    log="$(mktemp)"
    "$@" >"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$log" >&2
        rm -f "$log"
        return "$rc"
    fi
    rm -f "$log"
}

alive() { # $1 = pid file; true if it names a live process
    [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# the daemons live in /usr/sbin, which a non-login root shell (sudo, env -i, CI) may not have
PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"

# --- 1. packages ------------------------------------------------------------------------------
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v slurmd >/dev/null 2>&1 \
        || ! command -v munged >/dev/null 2>&1 || ! command -v sinfo >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    # Keep the packages' maintainer scripts from trying to start services (no init system here);
    # this script starts the daemons itself below.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    rc=0
    quiet apt-get update -q || rc=$?
    if [ "$rc" -eq 0 ]; then
        quiet apt-get install -y -q --no-install-recommends slurm-wlm munge || rc=$?
    fi
    [ "$made_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" -eq 0 ] || die "apt-get install slurm-wlm munge failed (rc=$rc)"
fi

# --- 2. munge -----------------------------------------------------------------------------------
getent passwd munge >/dev/null || die "user 'munge' missing (the munge package creates it)"
install -d -o munge -g munge -m 0700 /etc/munge
install -d -o munge -g munge -m 0700 /var/lib/munge
install -d -o munge -g munge -m 0700 /var/log/munge
install -d -o munge -g munge -m 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    if command -v mungekey >/dev/null 2>&1; then
        quiet mungekey --create --force --keyfile=/etc/munge/munge.key
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    fi
fi
chown munge:munge /etc/munge/munge.key
chmod 0400 /etc/munge/munge.key

munge_ok() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
if ! munge_ok; then
    # stale pid/socket from a killed daemon would make munged refuse to start
    if ! alive /run/munge/munged.pid; then
        rm -f /run/munge/munged.pid /run/munge/munge.socket.2 /run/munge/munge.socket.2.lock
    fi
    runuser -u munge -- /usr/sbin/munged </dev/null >/dev/null 2>&1 \
        || die "munged failed to start"
    for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
    munge_ok || die "munged started but 'munge -n | unmunge' fails"
fi

# --- 3. slurm.conf ------------------------------------------------------------------------------
HOST="$(hostname -s)"
[ -n "$HOST" ] || die "hostname -s is empty"
# slurmd/slurmctld resolve the host name; make sure it resolves (a fresh VM may not list it).
if ! getent hosts "$HOST" >/dev/null 2>&1; then
    printf '127.0.1.1 %s\n' "$HOST" >>/etc/hosts
fi
CPUS="$(nproc)"
MEM_TOTAL="$(free -m | awk '/^Mem:/ {print $2}')"
# leave a margin (5 %, at least 256 MB): slurmd drains the node if it sees less than RealMemory
MARGIN=$(( MEM_TOTAL / 20 )); [ "$MARGIN" -lt 256 ] && MARGIN=256
MEM=$(( MEM_TOTAL - MARGIN )); [ "$MEM" -lt 1 ] && MEM=1

install -d -m 0755 /etc/slurm /var/log/slurm /run/slurm
install -d -m 0755 /var/spool/slurmctld /var/spool/slurmd

CONF=/etc/slurm/slurm.conf
NEW_CONF="$(mktemp)"
cat >"$NEW_CONF" <<EOF
# Written by scripts/slurm_setup.sh (single-node test cluster); re-running the script rewrites it.
ClusterName=localcluster
SlurmctldHost=${HOST}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
MailProg=/bin/true
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=60
InactiveLimit=0
MinJobAge=300
KillWait=10
Waittime=0
NodeName=${HOST} CPUs=${CPUS} RealMemory=${MEM} State=UNKNOWN
PartitionName=debug Nodes=${HOST} Default=YES MaxTime=INFINITE State=UP
EOF
CHANGED=0
if ! cmp -s "$NEW_CONF" "$CONF"; then
    install -m 0644 "$NEW_CONF" "$CONF"
    CHANGED=1
fi
rm -f "$NEW_CONF"

# --- 4. daemons -----------------------------------------------------------------------------------
stop_pidfile() { # $1 = pid file: TERM the daemon it names and wait for it to exit
    local pid
    alive "$1" || { rm -f "$1"; return 0; }
    pid="$(cat "$1")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$1"
}

if [ "$CHANGED" -eq 1 ]; then  # new/changed config: (re)start both daemons with it
    stop_pidfile /run/slurm/slurmd.pid
    stop_pidfile /run/slurm/slurmctld.pid
fi
start_controller() {
    if ! alive /run/slurm/slurmctld.pid; then
        # -i: ignore state files that do not match this config (e.g. the node was renamed)
        slurmctld -i </dev/null >/dev/null 2>&1 || die "slurmctld failed to start"
    fi
    local deadline=$(( SECONDS + WAIT_S ))  # by the clock: a hung controller makes a ping slow
    while [ "$SECONDS" -lt "$deadline" ]; do
        timeout 5 scontrol ping 2>/dev/null | grep -qw 'UP' && return 0
        sleep 0.2
    done
    return 1
}
if ! start_controller; then
    # a controller left by an earlier session may be hung (its pid file says it is alive but
    # it does not answer): restart it once
    printf "%s: slurmctld does not answer; restarting it\n" "$PREFIX" >&2
    stop_pidfile /run/slurm/slurmctld.pid
    start_controller || die "slurmctld does not answer 'scontrol ping'"
fi
if ! alive /run/slurm/slurmd.pid; then
    slurmd -N "$HOST" </dev/null >/dev/null 2>&1 || die "slurmd failed to start"
fi

node_state() { sinfo -h -N -n "$HOST" -o '%t' 2>/dev/null | head -n 1; }
STATE=""
resumed=0
deadline=$(( SECONDS + WAIT_S ))
while [ "$SECONDS" -lt "$deadline" ]; do
    STATE="$(node_state)"
    case "$STATE" in
        idle|mix|mix-|alloc|alloc-|comp) break ;;  # usable (jobs may be running on a warm cluster)
        down*|drain*|drng*|fail*)
            if [ "$resumed" -lt 3 ]; then
                scontrol update nodename="$HOST" state=resume >/dev/null 2>&1 || true
                resumed=$(( resumed + 1 ))
            fi ;;
    esac
    sleep 0.5
done
case "$STATE" in
    idle|mix|mix-|alloc|alloc-|comp) ;;
    *) die "node $HOST not idle after ${WAIT_S}s (state '${STATE:-none}'; reason: $(sinfo -h -R -o '%E' 2>/dev/null || true))" ;;
esac

# --- 5. a job runs ---------------------------------------------------------------------------------
OUT="$(timeout "$WAIT_S" srun -N1 -n1 -t 1 -p debug -J slurm_setup_check hostname 2>&1)" \
    || die "test job 'srun -N1 hostname' failed: $OUT"
[ "$(printf '%s' "$OUT" | tail -n 1)" = "$HOST" ] || die "test job printed '$OUT', expected '$HOST'"

printf '%s: SLURM ready: node %s (%s CPUs, %s MB), partition debug, %ss\n' \
    "$PREFIX" "$HOST" "$CPUS" "$MEM" "$(( SECONDS - T0 ))"
