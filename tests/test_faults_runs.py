"""Run folders under faults: parallel runs, result sets, refused and interrupted runs, I/O faults,
cross-group config conflicts and the sweep collector (``sim.collect``).

The subprocess cases (three parallel runs, a two-run ``-m`` sweep) start together when the
module starts; the other cases run the command in-process (``sim.__main__.main``) on tiny runs.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli_errors import (
    EXIT_BAD_INPUT,
    EXIT_ENVIRONMENT,
    EXIT_INCOMPLETE,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
)
from sim.files import MANIFEST_FILE, file_checksums, verify_manifest

ROOT = Path(__file__).resolve().parent.parent
TINY = ["run.replicates=3", "run.horizon_weeks=8", "run.chunk=2", "run.threads=1"]
LAGS = (0, 4, 8)
TIMEOUT = 300


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("HYDRA_FULL_ERROR", None)
    return env


def _default_sigint() -> None:
    """A background process may inherit SIGINT ignored; Python then never raises
    KeyboardInterrupt. Restore the default so the child installs its handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=_env(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
    )


@pytest.fixture(scope="module", autouse=True)
def background(tmp_path_factory):
    """Three runs at once into default run folders, and a two-run sweep."""
    tmp = tmp_path_factory.mktemp("faults")
    procs = {
        f"lag{lag}": _start(["sim", *TINY, "policy=envoy", f"policy.lag_weeks={lag}"], tmp)
        for lag in LAGS
    }
    sweep = tmp / "sweep"
    procs["sweep"] = _start(
        ["sim", "-m", *TINY, "policy.lag_weeks=0,8", f"hydra.sweep.dir={sweep}"], tmp
    )
    yield {"tmp": tmp, "procs": procs, "sweep": sweep}
    for p in procs.values():
        if p.poll() is None:
            p.kill()


def _wait(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, out, err


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``python -m sim <args>`` in this process: (exit status, stdout, stderr)."""
    import sim.__main__ as cli

    monkeypatch.setattr(sys, "argv", ["sim", *args])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    code = 0
    try:
        cli.main()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip() and "rep/s" not in line]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def _snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its checksum and modification time."""
    return {
        name: (info["sha256"], (folder / name).stat().st_mtime_ns)
        for name, info in file_checksums(folder).items()
    } | {MANIFEST_FILE: (folder / MANIFEST_FILE).read_bytes(), "names": sorted(os.listdir(folder))}


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def base_set(tmp_path_factory) -> Path:
    """One complete result set (with a plot), made once by the command in this process."""
    import sim.__main__ as cli

    run_dir = tmp_path_factory.mktemp("base") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["sim", *TINY, f"hydra.run.dir={run_dir}"])
        mp.delenv("HYDRA_FULL_ERROR", raising=False)
        cli.main()
    assert verify_manifest(run_dir) == []
    return run_dir


@pytest.fixture
def result_set(base_set, tmp_path) -> Path:
    """A run folder holding a complete result set (a copy of ``base_set``)."""
    run_dir = tmp_path / "run"
    shutil.copytree(base_set, run_dir)
    return run_dir


# ---------------------------------------------------------------- result sets
def test_a_run_writes_a_self_consistent_set(result_set):
    names = set(os.listdir(result_set))
    assert names == {
        ".hydra",
        MANIFEST_FILE,
        "outcomes.parquet",
        "summary.json",
        "timeseries.parquet",
        "timeseries.png",
    }
    manifest = json.loads((result_set / MANIFEST_FILE).read_text())
    assert set(manifest["files"]) == {*names - {".hydra", MANIFEST_FILE}} | {
        ".hydra/config.yaml",
        ".hydra/hydra.yaml",
        ".hydra/overrides.yaml",
    }
    assert manifest["seed"] == 0 and len(manifest["config_sha256"]) == 64
    assert manifest["versions"]["numpy"] and manifest["versions"]["python"]
    assert _leftovers(result_set.parent) == []


def test_an_existing_set_is_refused_and_untouched(result_set, monkeypatch, capsys):
    before = _snapshot(result_set)
    time.sleep(0.01)
    code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={result_set}")
    assert code == EXIT_BAD_INPUT
    assert "already holds a complete result set" in _one_line(err)
    assert _snapshot(result_set) == before  # .hydra/ included: Hydra wrote nothing
    assert _leftovers(result_set.parent) == []


def test_bad_input_into_an_existing_set_leaves_it_untouched(result_set, monkeypatch, capsys):
    before = _snapshot(result_set)
    args = [*TINY, "policy.lag_weeks=-1", "output.overwrite=true", f"hydra.run.dir={result_set}"]
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == EXIT_BAD_INPUT and "policy.lag_weeks" in _one_line(err)
    assert _snapshot(result_set) == before


def test_overwrite_replaces_the_whole_set(result_set, monkeypatch, capsys):
    args = [*TINY, "output.plot=false", "output.overwrite=true", f"hydra.run.dir={result_set}"]
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == 0, err
    assert not (result_set / "timeseries.png").exists()  # the set replaces the set
    assert verify_manifest(result_set) == []
    assert json.loads((result_set / "summary.json").read_text())["files"][-1] == "summary.json"
    assert _leftovers(result_set.parent) == []


def test_a_folder_with_other_files_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={tmp_path}")
    assert code == EXIT_BAD_INPUT and "holds other files" in _one_line(err)
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_empty_run_dir_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, *TINY, "hydra.run.dir=")
    assert code == EXIT_BAD_INPUT
    assert _one_line(err).startswith("error: hydra.run.dir: got ''")
    assert os.listdir(tmp_path) == []


def test_a_folder_filled_meanwhile_exits_3(tmp_path, monkeypatch, capsys):
    import sim.__main__ as cli

    run_dir = tmp_path / "run"
    series = cli.run_series

    def another_run_finishes_first(spec):
        (run_dir / MANIFEST_FILE).write_text("{}")
        return series(spec)

    monkeypatch.setattr(cli, "run_series", another_run_finishes_first)
    code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={run_dir}")
    assert code == EXIT_INCOMPLETE
    assert "filled by another run meanwhile" in _one_line(err)
    assert os.listdir(run_dir) == [MANIFEST_FILE] and os.listdir(tmp_path) == ["run"]


# ---------------------------------------------------------------- environment faults
@pytest.mark.parametrize("target", ["file", "/dev/null", "under a file"])
def test_run_folder_that_is_a_file(target, tmp_path, monkeypatch, capsys):
    file = tmp_path / "afile"
    file.write_text("x")
    run_dir = {"file": file, "/dev/null": Path(os.devnull), "under a file": file / "sub"}[target]
    code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={run_dir}")
    assert code == EXIT_ENVIRONMENT
    assert _one_line(err).startswith(f"error: {run_dir}: ")
    assert file.read_text() == "x" and os.listdir(tmp_path) == ["afile"]


def _mount_tmpfs(path: Path, options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir()
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip(f"mount not permitted here: {r.stderr.decode().strip()}")


def _umount(path: Path) -> None:
    subprocess.run(["umount", str(path)], check=False)


def test_read_only_folder(tmp_path, monkeypatch, capsys):
    ro = tmp_path / "ro"
    if os.geteuid() == 0:
        _mount_tmpfs(ro, "ro,size=1m")
    else:
        ro.mkdir()
        ro.chmod(0o555)
    try:
        code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={ro / 'run'}")
        assert code == EXIT_ENVIRONMENT
        line = _one_line(err)
        assert line.startswith(f"error: {ro / 'run'}: ")
        assert "read-only" in line or "permission" in line
        assert os.listdir(ro) == []
    finally:
        if os.geteuid() == 0:
            _umount(ro)
        else:
            ro.chmod(0o755)


def test_disk_full_while_writing_keeps_the_old_set(result_set, monkeypatch, capsys):
    before = _snapshot(result_set)

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    args = [*TINY, "output.overwrite=true", f"hydra.run.dir={result_set}"]
    code, _, err = run_cli(monkeypatch, capsys, *args)
    assert code == EXIT_ENVIRONMENT
    line = _one_line(err)
    assert "no space left" in line and "keeps its previous result set" in line
    assert _snapshot(result_set) == before
    assert _leftovers(result_set.parent) == []


def test_disk_full_on_a_small_tmpfs(tmp_path, monkeypatch, capsys):
    small = tmp_path / "small"
    _mount_tmpfs(small, "size=16k")
    try:
        code, _, err = run_cli(monkeypatch, capsys, *TINY, f"hydra.run.dir={small / 'run'}")
        assert code == EXIT_ENVIRONMENT
        assert "no space left" in _one_line(err)
        assert os.listdir(small) == []  # no temporary folder, no empty run folder
    finally:
        _umount(small)


@pytest.mark.parametrize(
    "signum, status", [(signal.SIGINT, EXIT_INTERRUPTED), (signal.SIGTERM, EXIT_TERMINATED)]
)
def test_signal_mid_run(signum, status, result_set):
    before = _snapshot(result_set)
    args = [
        "sim",
        "run.replicates=200000",
        "run.chunk=20",
        "run.threads=1",
        "output.overwrite=true",
    ]
    proc = _start([*args, f"hydra.run.dir={result_set}"], ROOT)
    seen = b""
    deadline = time.monotonic() + TIMEOUT
    while not re.search(rb"\| *[1-9]\d*/200000", seen) and time.monotonic() < deadline:
        chunk = os.read(proc.stderr.fileno(), 4096)
        if not chunk:
            break
        seen += chunk
    proc.send_signal(signum)
    code, _, err = _wait(proc)
    assert code == status, seen.decode() + err
    line = _one_line(err.replace("\r", "\n"))
    assert line == f"interrupted: no result written; {result_set} keeps its previous result set"
    assert _snapshot(result_set) == before
    assert _leftovers(result_set.parent) == []


# ---------------------------------------------------------------- config conflicts
@pytest.mark.parametrize(
    "overrides, expect",
    [
        (["scenario=kenya_2008", "network.n_parties=50"], "error: network.n_parties: got 50;"),
        (["scenario=two_party", "network=small_world"], "error: network.topology: got 'small_w"),
        (
            ["scenario.file=scenarios/kenya_2008.yaml", "network.seed=3"],
            "error: network.seed: got 3;",
        ),
        (["scenario.name=../nowhere"], "error: scenario.name: got '../nowhere';"),
        (["scenario.name=/no/such.yaml"], "error: scenario.name: got '/no/such.yaml';"),
    ],
)
def test_config_conflicts_name_the_key(overrides, expect, tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, *TINY, *overrides, f"hydra.run.dir={tmp_path}/r")
    assert code == EXIT_BAD_INPUT
    assert _one_line(err).startswith(expect)
    assert os.listdir(tmp_path) == []


def test_network_overrides_still_reach_a_generated_scenario(monkeypatch, capsys):
    code, out, err = run_cli(
        monkeypatch, capsys, "scenario=generated", "network.n_parties=40", "--cfg", "job"
    )
    assert code == 0, err
    assert "n_parties: 40" in out


# ---------------------------------------------------------------- parallel runs and sweeps
def test_three_parallel_runs_give_three_complete_folders(background):
    for lag in LAGS:
        code, _, err = _wait(background["procs"][f"lag{lag}"])
        assert code == 0, err
    folders = sorted((background["tmp"] / "outputs").glob("*/*"))
    assert len(folders) == 3, folders
    lags = []
    for folder in folders:
        assert verify_manifest(folder) == [], folder
        summary = json.loads((folder / "summary.json").read_text())
        outcomes = pd.read_parquet(folder / "outcomes.parquet")
        arm = outcomes[outcomes["arm"] == "policy"]
        assert set(arm["policy"]) == {summary["policy"]}
        assert set(arm["lag_weeks"]) == {summary["policy_config"]["lag_weeks"]}
        lags.append(summary["policy_config"]["lag_weeks"])
        assert _leftovers(folder.parent) == []
    assert sorted(lags) == list(LAGS)


def test_collect_a_sweep(background):
    from sim.collect import main

    code, _, err = _wait(background["procs"]["sweep"])
    assert code == 0, err
    sweep = background["sweep"]
    assert main([str(sweep)]) == 0
    runs = pd.read_csv(sweep / "runs.csv")
    assert list(runs["run"]) == [0, 1]
    assert list(runs["policy.lag_weeks"]) == [0, 8]
    assert list(runs["summary.policy"] if "summary.policy" in runs else runs["policy"]) == [
        "envoy@0",
        "envoy@8",
    ]
    assert {"p_violence.policy.p", "risk_difference.mean", "n"} <= set(runs.columns)
    assert pd.read_csv(sweep / "incomplete.csv").empty
    # a killed run (an empty folder) and a leftover temporary folder are listed, exit 3
    (sweep / "2").mkdir()
    (sweep / ".2.abc.tmp").mkdir()
    assert main([str(sweep)]) == EXIT_INCOMPLETE
    incomplete = pd.read_csv(sweep / "incomplete.csv")
    assert list(incomplete["run"]) == ["2", ".2.abc.tmp"]
    assert len(pd.read_csv(sweep / "runs.csv")) == 2
    assert _leftovers(sweep) == [".2.abc.tmp"]


def test_collect_refuses_a_missing_folder(tmp_path, capsys):
    from sim.collect import main

    assert main([str(tmp_path / "nope")]) == EXIT_BAD_INPUT
    assert "not a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- sim.files.result_set
def test_a_set_filled_meanwhile_is_not_overwritten(tmp_path):
    from sim.files import ResultFolderTaken
    from sim.files import result_set as write_set

    target = tmp_path / "run"
    with pytest.raises(ResultFolderTaken, match="filled by another run meanwhile"):
        with write_set(target, manifest={"seed": 1}) as tmp:
            (tmp / "a.txt").write_text("mine")
            target.mkdir()
            (target / MANIFEST_FILE).write_text("{}")  # another run finished first
    assert os.listdir(target) == [MANIFEST_FILE]
    assert os.listdir(tmp_path) == ["run"]


def test_overwrite_swaps_the_sets(tmp_path):
    from sim.files import result_set as write_set

    target = tmp_path / "run"
    for text in ("old", "new"):
        with write_set(target, overwrite=True, manifest={"seed": 1}) as tmp:
            (tmp / "a.txt").write_text(text)
    assert (target / "a.txt").read_text() == "new"
    assert verify_manifest(target) == []
    assert os.listdir(tmp_path) == ["run"]
    (target / "a.txt").write_text("changed")
    assert verify_manifest(target) == ["a.txt: checksum differs"]
