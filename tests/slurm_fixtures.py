"""Fixtures and helpers for the tests that submit Hydra sweeps to a real SLURM cluster.

Import the fixtures into a test module (``from slurm_fixtures import slurm_cluster``); pytest puts
``tests/`` on ``sys.path`` (rootdir-relative "prepend" import mode, no ``__init__.py``).

The cluster is not started here: ``scripts/slurm_setup.sh`` does that (``make test`` runs it as
root on CI, see the Makefile). Without a usable cluster the tests skip, or fail when
``REQUIRE_SLURM=1`` is set (CI sets it, so the SLURM path cannot silently go untested).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Partition of the local test cluster written by scripts/slurm_setup.sh.
PARTITION = os.environ.get("SLURM_TEST_PARTITION", "debug")
# States in which the node accepts jobs now or soon (a job of another test may be running).
USABLE_STATES = {"idle", "mix", "mixed", "alloc", "allocated", "comp", "completing"}


def _unavailable(reason: str) -> None:
    """Skip, or fail when REQUIRE_SLURM=1 (CI): never silently drop the SLURM tests there."""
    if os.environ.get("REQUIRE_SLURM") == "1":
        pytest.fail(
            f"REQUIRE_SLURM=1 but {reason} (run: sudo bash scripts/slurm_setup.sh)", pytrace=False
        )
    pytest.skip(f"{reason} (start one with: sudo bash scripts/slurm_setup.sh)")


def _cmd(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


@pytest.fixture(scope="session")
def slurm_cluster() -> dict:
    """A reachable SLURM controller with a usable node in PARTITION; else skip (or fail)."""
    for tool in ("sinfo", "sbatch", "scontrol"):
        if shutil.which(tool) is None:
            _unavailable(f"SLURM client '{tool}' not on PATH")
    try:
        ping = _cmd("scontrol", "ping")
        if ping.returncode != 0 or "UP" not in ping.stdout.split():
            _unavailable(f"slurmctld not reachable: {(ping.stdout + ping.stderr).strip()!r}")
        info = _cmd("sinfo", "-h", "-N", "-p", PARTITION, "-o", "%N %t %c %m")
    except subprocess.TimeoutExpired as exc:
        _unavailable(f"SLURM command timed out: {exc.cmd}")
    nodes = [line.split() for line in info.stdout.splitlines() if line.strip()]
    if info.returncode != 0 or not nodes:
        _unavailable(
            f"no nodes in partition {PARTITION!r}: {(info.stdout + info.stderr).strip()!r}"
        )
    usable = [n for n in nodes if n[1].rstrip("*~#!%$@^-+") in USABLE_STATES]
    if not usable:
        _unavailable(f"no usable node in partition {PARTITION!r}: {nodes}")
    name, _state, cpus, mem = usable[0]
    return {"partition": PARTITION, "node": name, "cpus": int(cpus), "mem_mb": int(mem)}


@pytest.fixture(scope="session")
def slurm_env() -> dict:
    """Environment for the submitting process (sbatch exports it to the jobs as well)."""
    env = dict(os.environ)
    # One numba cache for the submitting process and every job (same file system here).
    env["NUMBA_CACHE_DIR"] = str(ROOT / ".numba_cache")
    env["HYDRA_FULL_ERROR"] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    # The jobs re-run `sys.executable` of the submitting process (submitit's default): make it
    # the repo's venv python, and let the jobs import the repo's packages from the submit dir.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def local_launcher_overrides(cluster: dict, launcher: str = "slurm") -> list[str]:
    """Hydra overrides that fit the submitit SLURM launcher onto the local one-node cluster.

    The repo preset (conf/hydra/launcher/slurm.yaml) asks for 16 CPUs / 16 GB per job, which a
    small test node does not have (sbatch would reject the array): one CPU and 1 GB per job, as
    many jobs at once as the node has CPUs.
    """
    return [
        f"hydra/launcher={launcher}",
        f"hydra.launcher.partition={cluster['partition']}",
        "hydra.launcher.cpus_per_task=1",
        "hydra.launcher.mem_gb=1",
        "hydra.launcher.timeout_min=15",
        f"hydra.launcher.array_parallelism={max(1, cluster['cpus'])}",
    ]


def run_py(
    args: list[str], env: dict, cwd: Path, timeout: float, logs: Path | None = None
) -> subprocess.CompletedProcess:
    """Run ``sys.executable *args`` (the venv python); fail the test with its output on error.

    ``logs``: a directory whose submitit job logs are appended to the failure message.
    """
    cmd = [sys.executable, *args]
    try:
        proc = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"timed out after {timeout}s: {' '.join(cmd)}\n{exc.stdout}\n{exc.stderr}")
    if proc.returncode != 0:
        pytest.fail(
            f"exit {proc.returncode}: {' '.join(cmd)}\n--- stdout ---\n{proc.stdout[-4000:]}"
            f"\n--- stderr ---\n{proc.stderr[-6000:]}\n{submitit_logs(logs) if logs else ''}",
            pytrace=False,
        )
    return proc


def submitit_logs(root: Path, limit: int = 3000) -> str:
    """Tails of the submitit job logs under ``root`` (for failure messages)."""
    out = []
    for f in sorted(Path(root).rglob(".submitit/*/*_log.*"))[:8]:
        out.append(f"--- {f} ---\n{f.read_text(errors='replace')[-limit:]}")
    return "\n".join(out)
