"""The experiment apps (``experiments/``): one process vs joblib vs submitit, replicate blocks,
resume after a kill, missing cells, the companion experiments, the warning-to-action
decomposition, and the pieces they are made of.

Subprocesses are expensive here (importing numba and pandas takes seconds on a loaded machine), so
the module fixture starts every sweep at once, after one warm-up process that makes sure the numba
cache is compiled, and each test waits only for the runs it needs. The launcher runs use the same
tiny sweep: 2 instruments x 2 lags x 200 replicates, a 52-week horizon; the decomposition run
3 instruments x 3 lags x 40 replicates over 104 weeks.
"""

from __future__ import annotations

import ast
import graphlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
APP = ["-m", "experiments.warning_to_action"]
N_REPS = 200
TINY = [
    "experiment.grid=[{instrument:[envoy,sanctions],lag_weeks:[0,8]}]",
    f"run.replicates={N_REPS}",
    "run.horizon_weeks=52",
    "experiment.bootstrap=100",
    "experiment.progress=false",
]
CELL_IDS = [
    "instrument-envoy__lag_weeks-0",
    "instrument-envoy__lag_weeks-8",
    "instrument-sanctions__lag_weeks-0",
    "instrument-sanctions__lag_weeks-8",
]
#: The end-to-end run of the decomposition: no action, a quick and a slow instrument, lags 0-26.
DECOMP = [
    "experiment.grid=[{instrument:[none,envoy,peacekeeping],lag_weeks:[0,8,26]}]",
    "run.replicates=40",
    "experiment.bootstrap=50",
    "experiment.progress=false",
]
TIMEOUT = 600
#: The summary columns of the effect split at the action's arrival (null for no action).
ARRIVAL_COLUMNS = [
    "p_before_arrival",
    "p_before_arrival_low",
    "p_before_arrival_high",
    "rrr_after_arrival",
    "rrr_low",
    "rrr_high",
]


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env.pop("HYDRA_FULL_ERROR", None)
    env["PYTHONWARNINGS"] = "ignore"
    return env


class Run:
    """``python <args>`` in a background thread, optionally after another run has finished;
    stdout and stderr go to files (no pipe can fill up). ``result()`` waits for it."""

    def __init__(self, args: list[str], logs: Path, after: Run | None = None, start=True):
        self.args, self.logs, self.after = args, logs, after
        self.proc: subprocess.Popen | None = None
        self.started = threading.Event()
        self._done: tuple[int, str, str] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        if start:
            self._thread.start()

    def _run(self) -> None:
        try:
            if self.after is not None:
                self.after._thread.join()
            self.logs.mkdir(parents=True, exist_ok=True)
            with (
                open(self.logs / "stdout.txt", "w") as out,
                open(self.logs / "stderr.txt", "w") as err,
            ):
                self.proc = subprocess.Popen(
                    [sys.executable, *self.args], cwd=ROOT, env=_env(), stdout=out, stderr=err
                )
                self.started.set()
                self.proc.wait(timeout=TIMEOUT)
            self._done = (
                self.proc.returncode,
                (self.logs / "stdout.txt").read_text(),
                (self.logs / "stderr.txt").read_text(),
            )
        except BaseException as e:  # reported by result()
            self._error = e
        finally:
            self.started.set()

    def result(self) -> tuple[int, str, str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._done

    def ok(self) -> tuple[str, str]:
        rc, out, err = self.result()
        assert rc == 0, f"exit {rc}: {' '.join(self.args)}\n{out[-3000:]}\n{err[-5000:]}"
        return out, err


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every subprocess sweep of the module, started at once after a warm-up."""
    tmp = tmp_path_factory.mktemp("experiments")
    warm = Run(
        [
            "-c",
            "import experiments, sim; "
            "sim.run_ensemble(None, ['none', 'envoy'], replicates=2, horizon_weeks=3)",
        ],
        tmp / "warm",
    )

    def app(name: str, *extra: str, after: Run = warm) -> Run:
        flags = ["-m"] if "-m" in extra else []  # Hydra wants its flags before the overrides
        extra = [x for x in extra if x != "-m"]
        return Run(
            [*APP, *flags, *TINY, f"experiment.out_dir={tmp / name}", *extra],
            tmp / f"log_{name}",
            after=after,
        )

    r = {
        "tmp": tmp,
        "single": app("single"),
        "joblib": app("joblib", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"),
        "submitit": app(
            "submitit", "-m", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10"
        ),
        "blocks": app("blocks", "-m", "experiment.n_blocks=2"),
        "blocks1": app("blocks1", "experiment.n_blocks=3"),
        "decomp": Run(
            [*APP, *DECOMP, f"experiment.out_dir={tmp / 'decomp'}"], tmp / "log_decomp", after=warm
        ),
    }
    # killed once its first cell file is there (one cell per ensemble call, more replicates);
    # started by its test
    r["killed"] = Run(
        [
            *APP,
            *TINY,
            "run.replicates=1200",
            "run.horizon_weeks=104",
            "experiment.batch_cells=1",
            f"experiment.out_dir={tmp / 'killed'}",
        ],
        tmp / "log_killed",
        after=warm,
        start=False,
    )
    yield r
    for run in r.values():
        if isinstance(run, Run) and run.proc is not None and run.proc.poll() is None:
            run.proc.kill()


def _summary(out_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(out_dir / "summary.parquet")


def _files(out_dir: Path) -> dict[str, os.stat_result]:
    return {
        str(p.relative_to(out_dir)): p.stat() for p in (out_dir / "cells").rglob("reps-*.parquet")
    }


# ---------------------------------------------------------------- one process, launchers, blocks
def test_single_process_writes_every_output(runs):
    out, _ = runs["single"].ok()
    d = runs["tmp"] / "single"
    for name in (
        "manifest.json",
        "summary.csv",
        "summary.parquet",
        "missing_cells.csv",
        "prevention_window.csv",
        "decomposition.csv",
        "km_onset.csv",
        "warning_to_action.png",
        "km_onset.png",
    ):
        assert (d / name).is_file(), name
    assert f"summary_csv: {d / 'summary.csv'}" in out
    assert f"figure: {d / 'warning_to_action.png'}" in out
    assert "prevention window" in out and "lag effect vs sending at once" in out
    s = _summary(d)
    required = [
        "scenario",
        "instrument",
        "lag_weeks",
        "n",
        "p_violence",
        "p_low",
        "p_high",
        "risk_diff",
        "rd_low",
        "rd_high",
        "p_war",
        "median_onset_week",
        "mean_cost",
        *ARRIVAL_COLUMNS,
    ]
    assert list(s.columns[:3]) == required[:3] and set(required) <= set(s.columns)
    assert sorted(s["cell_id"]) == sorted(CELL_IDS)
    assert (s["n"] == N_REPS).all() and (s["scenario"] == "default").all()
    assert ((s["p_low"] <= s["p_violence"]) & (s["p_violence"] <= s["p_high"])).all()
    assert ((s["rd_low"] <= s["risk_diff"]) & (s["risk_diff"] <= s["rd_high"])).all()
    np.testing.assert_allclose(s["risk_diff"], s["p_violence"] - s["p_violence_none"], atol=1e-12)
    assert s["p_violence"].gt(0).any()
    assert pd.read_csv(d / "missing_cells.csv").empty
    w = pd.read_csv(d / "prevention_window.csv")
    assert sorted(w["instrument"]) == ["envoy", "sanctions"]
    assert {"window_weeks", "window", "ci_low", "ci_high", "benefit_lag0"} <= set(w.columns)
    # every cell file holds both arms of every replicate, tagged with its fingerprint
    manifest = json.loads((d / "manifest.json").read_text())
    assert [c["cell_id"] for c in manifest["cells"]] == CELL_IDS
    f = pd.read_parquet(d / "cells" / CELL_IDS[0] / f"reps-{0:09d}-{N_REPS:09d}.parquet")
    assert sorted(f["arm"].unique()) == ["baseline", "policy"] and len(f) == 2 * N_REPS


@pytest.mark.parametrize("name", ["joblib", "submitit", "blocks", "blocks1"])
def test_launchers_and_blocks_give_identical_tables(runs, name):
    runs["single"].ok()
    out, err = runs[name].ok()
    a, b = _summary(runs["tmp"] / "single"), _summary(runs["tmp"] / name)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for table in ("prevention_window.csv", "decomposition.csv", "km_onset.csv"):
        pw = [pd.read_csv(runs["tmp"] / n / table) for n in ("single", name)]
        pd.testing.assert_frame_equal(*pw, check_exact=True)
    cells = runs["tmp"] / name / "cells"
    n_files = {"blocks": 2, "blocks1": 3}.get(name, 1)
    for cid in CELL_IDS:
        assert len(list((cells / cid).glob("reps-*.parquet"))) == n_files, cid
    if name != "blocks1":  # a multirun: one job per cell (and block), aggregated at the end
        assert "4/4 cells complete" in out + err
    if name == "submitit":
        jobs = list((runs["tmp"] / name).glob("logs/multirun-*/.submitit/*/*_log.out"))
        assert len(jobs) == 4, jobs


# ---------------------------------------------------------------- warning-to-action decomposition
def _cell_arms(cell_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The policy and baseline arms of a cell's files, each by replicate."""
    df = pd.concat(pd.read_parquet(p) for p in sorted(cell_dir.glob("reps-*.parquet")))
    pol, base = (
        df[df["arm"] == arm].sort_values("replicate").reset_index(drop=True)
        for arm in ("policy", "baseline")
    )
    return pol, base


def _before(arm: pd.DataFrame, arrival: pd.Series) -> pd.Series:
    return (arm["violence"] == 1) & ((arrival < 0) | (arm["onset_week"] < arrival))


def test_decomposition_end_to_end(runs):
    out, _ = runs["decomp"].ok()
    d = runs["tmp"] / "decomp"
    for name in ("decomposition.csv", "km_onset.csv", "km_onset.png", "warning_to_action.png"):
        assert (d / name).is_file() and (d / name).stat().st_size > 0, name
        assert str(d / name) in out, name
    s = _summary(d)
    dec = pd.read_csv(d / "decomposition.csv")
    assert sorted(set(dec["instrument"])) == ["envoy", "peacekeeping"]
    assert sorted(set(dec["lag_weeks"])) == [0, 8, 26] and (dec["n"] == 40).all()
    # the two parts sum exactly to the lag effect, P(violence | lag L) - P(violence | lag 0)
    np.testing.assert_allclose(
        dec["delta_too_late"] + dec["delta_state"], dec["delta_total"], rtol=0, atol=1e-12
    )
    p = s.set_index(["instrument", "lag_weeks"])["p_violence"]
    for _, r in dec.iterrows():
        lag_effect = p[(r["instrument"], r["lag_weeks"])] - p[(r["instrument"], 0)]
        assert r["delta_total"] == pytest.approx(lag_effect, abs=1e-12)
        for part in ("total", "too_late", "state"):
            assert r[f"delta_{part}_low"] <= r[f"delta_{part}"] <= r[f"delta_{part}_high"]
    zero = dec[dec["lag_weeks"] == 0]
    assert (zero[["delta_total", "delta_too_late", "delta_state"]] == 0).all().all()
    assert (dec["delta_too_late"] >= 0).all()  # an onset before arrival is violence at lag L
    # the arrival split of each row is the summary's; no action has none
    both = dec.merge(s, on=["instrument", "lag_weeks"], suffixes=("", "_summary"))
    for col in ("p_before_arrival", "rrr_after_arrival", "rrr_low", "rrr_high"):
        np.testing.assert_allclose(both[col], both[f"{col}_summary"], rtol=0, atol=1e-12)
    assert s.loc[s["instrument"] == "none", ARRIVAL_COLUMNS].isna().all().all()
    acting = s[s["instrument"] != "none"]
    assert acting["p_before_arrival"].notna().all()
    assert (acting["p_before_arrival_low"] <= acting["p_before_arrival"]).all()
    assert (acting["p_before_arrival"] <= acting["p_before_arrival_high"]).all()


def test_onsets_before_arrival_are_the_same_in_both_arms(runs):
    """Up to its arrival an action changes nothing (common random numbers): an onset before
    arrival happens in the baseline arm too, in the same week."""
    runs["decomp"].ok()
    d = runs["tmp"] / "decomp"
    s = _summary(d).set_index("cell_id")
    seen = 0
    for cell in sorted((d / "cells").iterdir()):
        pol, base = _cell_arms(cell)
        if (pol["instrument"] == "none").all():
            continue
        before = _before(pol, pol["arrival_week"])
        assert before.equals(_before(base, pol["arrival_week"])), cell.name
        assert (base.loc[before, "onset_week"] == pol.loc[before, "onset_week"]).all()
        assert (pol["warning_week"] == base["warning_week"]).all()
        assert s.loc[cell.name, "p_before_arrival"] == pytest.approx(before.mean())
        seen += before.sum()
    assert seen > 0  # the check saw onsets before arrival


def test_kaplan_meier_of_onsets(runs):
    runs["decomp"].ok()
    d = runs["tmp"] / "decomp"
    km = pd.read_csv(d / "km_onset.csv")
    horizon = 104
    assert set(km["arm"]) == {"no action", "sent at once", "26 weeks after the warning"}
    curves = km.groupby(["instrument", "lag_weeks"], dropna=False)
    assert len(curves) == 5  # no action, and lags 0 and 26 of each instrument
    for (inst, lag), curve in curves:
        survival = curve["survival"].to_numpy()
        assert curve["week"].tolist() == list(range(horizon + 1))
        assert survival[0] == 1.0 and np.all(np.diff(survival) <= 0), (inst, lag)
        if inst == "none":
            _, arm = _cell_arms(d / "cells" / "instrument-envoy__lag_weeks-0")
        else:
            arm, _ = _cell_arms(d / "cells" / f"instrument-{inst}__lag_weeks-{int(lag)}")
        # nothing is censored before the horizon: 1 - P(violence by week t)
        onset = arm.loc[arm["violence"] == 1, "onset_week"].to_numpy()
        expected = [1.0 - (onset < t).sum() / len(arm) for t in range(horizon + 1)]
        np.testing.assert_allclose(survival, expected, rtol=0, atol=1e-12)
        assert survival[-1] == pytest.approx(1.0 - arm["violence"].mean())


def test_km_arms_take_the_lag_nearest_26():
    from experiments.tables import _km_members, km_label

    members = [(0, "a"), (8, "b"), (30, "c"), (52, "d")]
    assert _km_members(members) == [(0, "a"), (30, "c")]
    assert _km_members([(0, "a")]) == [(0, "a")]
    assert [km_label(x) for x in (None, 0, 26)] == [
        "no action",
        "sent at once",
        "26 weeks after the warning",
    ]


# ---------------------------------------------------------------- resume
def test_rerun_completes_a_damaged_sweep_without_recomputing(runs):
    runs["single"].ok()
    src, d = runs["tmp"] / "single", runs["tmp"] / "resume"
    shutil.copytree(src, d, symlinks=True)
    for name in ("summary.csv", "summary.parquet", "prevention_window.csv"):
        (d / name).unlink()
    files = sorted((d / "cells").rglob("reps-*.parquet"))
    deleted, corrupted = files[0], files[1]
    deleted.unlink()
    corrupted.write_bytes(corrupted.read_bytes()[:100])  # a truncated file is not finished
    leftover = deleted.parent / f".{deleted.name}.abc123.tmp"  # a killed writer's temp file
    leftover.write_bytes(b"PAR1 half a file")
    kept = {k: v for k, v in _files(d).items() if k not in (str(corrupted.relative_to(d)),)}
    assert len(kept) == 2
    run = Run([*APP, *TINY, f"experiment.out_dir={d}"], runs["tmp"] / "log_resume")
    out, err = run.ok()
    log = out + err
    after = _files(d)
    for rel, st in kept.items():  # finished cells untouched
        assert (after[rel].st_ino, after[rel].st_mtime_ns) == (st.st_ino, st.st_mtime_ns), rel
        cell = Path(rel).parent.name
        assert f"skipped {cell} replicates 0-{N_REPS - 1}: finished" in log
    assert deleted.is_file() and corrupted.stat().st_size > 100
    assert "2 cell blocks computed, 2 skipped" in log
    assert "unreadable" in log  # the truncated file was reported, then replaced
    pd.testing.assert_frame_equal(_summary(src), _summary(d), check_exact=True)


def test_killed_sweep_is_completed_by_a_rerun(runs):
    run = runs["killed"]
    d = runs["tmp"] / "killed"
    run._thread.start()
    run.started.wait(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while run.proc.poll() is None and not list((d / "cells").rglob("reps-*.parquet")):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    run.proc.kill()
    rc, _, _ = run.result()
    finished = _files(d)
    assert finished, "the run ended before writing a cell"
    assert (d / "manifest.json").is_file()  # written before the first cell
    if rc == 0:  # pragma: no cover - the machine was faster than the poll
        pytest.skip("the sweep finished before it could be killed")
    assert len(finished) < 4
    rerun = Run(
        [*APP, *TINY, "run.replicates=1200", "run.horizon_weeks=104", f"experiment.out_dir={d}"],
        runs["tmp"] / "log_killed_rerun",
    )
    out, err = rerun.ok()
    after = _files(d)
    assert len(after) == 4
    for rel, st in finished.items():
        assert (after[rel].st_ino, after[rel].st_mtime_ns) == (st.st_ino, st.st_mtime_ns), rel
        assert f"skipped {Path(rel).parent.name} replicates 0-1199: finished" in out + err
    assert f"{4 - len(finished)} cell blocks computed, {len(finished)} skipped" in out + err
    assert len(_summary(d)) == 4


# ---------------------------------------------------------------- missing and failed cells
def test_aggregator_lists_missing_and_failed_cells(runs):
    runs["single"].ok()
    d = runs["tmp"] / "missing"
    shutil.copytree(runs["tmp"] / "single", d, symlinks=True)
    gone = CELL_IDS[1]
    for p in (d / "cells" / gone).glob("reps-*"):
        p.unlink()
    # a cell whose block raised in its job: the job leaves a failure record
    failed = CELL_IDS[3]
    for p in (d / "cells" / failed).glob("reps-*"):
        p.unlink()
    manifest = json.loads((d / "manifest.json").read_text())
    fp = next(c["fingerprint"] for c in manifest["cells"] if c["cell_id"] == failed)
    (d / "cells" / failed / f"failed-{0:09d}-{N_REPS:09d}.json").write_text(
        json.dumps(
            {
                "cell_id": failed,
                "fingerprint": fp,
                "start": 0,
                "stop": N_REPS,
                "error": "MemoryError: out of memory",
            }
        )
    )
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.aggregate", str(d)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"missing {gone}: missing, 0/{N_REPS} replicates" in proc.stdout
    assert f"missing {failed}: failed" in proc.stdout and "MemoryError" in proc.stdout
    m = pd.read_csv(d / "missing_cells.csv")
    assert m.set_index("cell_id")["status"].to_dict() == {gone: "missing", failed: "failed"}
    assert set(m["missing_replicates"]) == {f"0-{N_REPS - 1}"}
    s = _summary(d)  # the complete cells only, never a partial one
    assert sorted(s["cell_id"]) == sorted(set(CELL_IDS) - {gone, failed})

    # a partial cell (one of two blocks) is listed with the replicates it lacks
    blocks = runs["tmp"] / "blocks"
    runs["blocks"].ok()
    d2 = runs["tmp"] / "partial"
    shutil.copytree(blocks, d2, symlinks=True)
    next((d2 / "cells" / CELL_IDS[0]).glob("reps-000000100-*")).unlink()
    from experiments.aggregate import main

    assert main([str(d2)]) == 3  # the same command, in this process
    m = pd.read_csv(d2 / "missing_cells.csv")
    assert m.to_dict("records")[0]["status"] == "partial"
    assert m.to_dict("records")[0]["missing_replicates"] == f"100-{N_REPS - 1}"
    assert main([str(runs["tmp"])]) == 2  # not an experiment directory


def test_a_failing_block_is_recorded_and_retried(tmp_path, monkeypatch, capsys):
    from experiments import aggregate, cells, jobs

    cfg = _compose([*TINY, "run.replicates=40", f"experiment.out_dir={tmp_path}"])
    real = cells.compute_cells

    def flaky(experiment, group, start, stop):
        if any(c.cell_id == CELL_IDS[2] for c in group):
            raise MemoryError("node ran out of memory")
        return real(experiment, group, start, stop)

    monkeypatch.setattr(cells, "compute_cells", flaky)
    cfg.experiment.batch_cells = 1
    with pytest.raises(jobs.CellsFailed, match=CELL_IDS[2]):
        jobs.run_job(cfg, multirun=True, cwd=tmp_path)
    record = tmp_path / "cells" / CELL_IDS[2] / f"failed-{0:09d}-{40:09d}.json"
    assert "MemoryError: node ran out of memory" in json.loads(record.read_text())["error"]
    assert len(_files(tmp_path)) == 3  # the other cells went on
    result = aggregate.aggregate(tmp_path)
    assert result.exit_code == 3 and list(result.missing["status"]) == ["failed"]
    assert "MemoryError" in result.text and len(result.summary) == 3
    with pytest.raises(SystemExit) as exc:  # a single-process run exits 3 after aggregating
        jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    assert exc.value.code == 3
    monkeypatch.setattr(cells, "compute_cells", real)
    report = jobs.run_job(cfg, multirun=False, cwd=tmp_path)  # the retry computes only that cell
    assert report.computed == [(CELL_IDS[2], 0, 40)] and len(report.skipped) == 3
    assert not record.exists() and aggregate.aggregate(tmp_path).exit_code == 0
    capsys.readouterr()


# ---------------------------------------------------------------- companion experiments
COMPANIONS = {
    "early_vs_late": ["early_vs_late.csv", "early_vs_late_pairs.csv", "early_vs_late.png"],
    "unity": ["unity.csv", "unity.png"],
    "sustainability": ["sustainability.csv", "sustainability.png"],
    "warning_quality": ["warning_quality.csv", "warning_quality.png"],
}


def _compose(overrides: list[str]):
    from hydra import compose, initialize_config_dir

    from experiments.config import CONFIG_DIR

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("experiments", overrides=overrides, return_hydra_config=True)


@pytest.mark.parametrize("name", sorted(COMPANIONS))
def test_companion_experiment_writes_its_table_and_figure(tmp_path, name, capsys):
    from experiments import jobs

    cfg = _compose(
        [
            f"experiment={name}",
            "run.replicates=60",
            "run.horizon_weeks=52",
            "experiment.progress=false",
            f"experiment.out_dir={tmp_path}",
        ]
    )
    jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    out = capsys.readouterr().out
    for f in ["summary.csv", *COMPANIONS[name]]:
        assert (tmp_path / f).is_file() and (tmp_path / f).stat().st_size > 0, f
        assert f"{tmp_path / f}" in out or f.endswith("summary.csv")
    table = pd.read_csv(tmp_path / COMPANIONS[name][0])
    assert len(table) > 0
    summary = _summary(tmp_path)
    n_cells = {"early_vs_late": 16, "unity": 20, "sustainability": 6, "warning_quality": 10}
    assert len(summary) == n_cells[name]
    if name == "unity":
        assert sorted(table["unity"].unique()) == pytest.approx(np.arange(1, 11) / 10)
    if name == "sustainability":
        assert {"violence", "relapse"} <= set(table["outcome"])
        assert {"kept_on", "withdrawn", "diff", "diff_low", "diff_high"} <= set(table.columns)
    if name == "warning_quality":
        assert list(table["warning"]) == [
            "hair_trigger",
            "noisy_early",
            "default",
            "clean_late",
            "very_clean_late",
        ]
        for col in (
            "un_warning_quality",
            "un_warning_threshold",
            "warning_persistence_weeks",
            "observation_noise",
            "auroc",
            "aupr",
            "brier",
            "brier_base_rate",
            "lead_median",
            "lead_q25",
            "lead_q75",
            "risk_diff_envoy",
            "risk_diff_statement",
        ):
            assert col in table.columns, col
        assert table["base_rate"].nunique() == 1  # warnings do not change the no-action arm
        profiles = table.set_index("warning")
        # a profile's keys land in early_warning (scenario) and model; null keeps the default
        assert profiles.loc["hair_trigger", "un_warning_quality"] == 0.2
        assert profiles.loc["hair_trigger", "warning_persistence_weeks"] == 1
        assert profiles.loc["very_clean_late", "warning_persistence_weeks"] == 4
        from sim import Parameters

        default = Parameters()
        assert profiles.loc["default", "warning_persistence_weeks"] == (
            default.warning_persistence_weeks
        )
        assert (profiles["observation_noise"] == default.observation_noise).all()
    if name == "early_vs_late":
        assert set(table["group"]) == {"small early", "large late"}
        assert table.loc[table["group"] == "small early", "lag_weeks"].max() <= 4
        assert table.loc[table["group"] == "large late", "lag_weeks"].min() >= 12


# ---------------------------------------------------------------- pieces
def test_config_grids_and_sweeper_params():
    from experiments.config import resolve

    expected = {
        "warning_to_action": 63,
        "warning_to_action_260": 12,
        "early_vs_late": 16,
        "unity": 20,
        "sustainability": 6,
        "warning_quality": 10,
    }
    for name, n in expected.items():
        cfg = _compose([f"experiment={name}"])
        exp = resolve(cfg, "/tmp")
        assert len(exp.cells) == n and exp.replicates == 2000, name
        assert len({c.fingerprint for c in exp.cells}) == n
        params = cfg.hydra.sweeper.params
        assert str(params.block) == "0"
        for key, value in params.items():
            if key.startswith("cell."):
                axis = key[len("cell.") :]
                values = {str(c.axes[axis]).lower() for c in exp.cells}
                assert set(str(value).split(",")) == values, (name, key)
    cfg = _compose([])
    assert cfg.experiment.name == "warning_to_action"
    assert cfg.hydra.sweeper.params["cell.lag_weeks"] == "0,1,2,4,8,12,16,26,52"
    assert _compose(["experiment.n_blocks=3"]).hydra.sweeper.params.block == "0,1,2"
    # default out_dir: <experiment>-<scenario>-<6 hex digits of the results fingerprint>
    assert re.fullmatch(
        r"/somewhere/outputs/experiments/warning_to_action-default-[0-9a-f]{6}",
        str(resolve(cfg, "/somewhere").out_dir),
    )
    long = resolve(_compose(["experiment=warning_to_action_260"]), "/x")
    assert (long.horizon_weeks, long.analysis) == (260, "warning_to_action")
    assert re.fullmatch(
        r"/x/outputs/experiments/warning_to_action_260-default-[0-9a-f]{6}", str(long.out_dir)
    )
    assert sorted({c.axes["lag_weeks"] for c in long.cells}) == [0, 8, 26, 52]


def test_warning_profiles_split_into_early_warning_and_model():
    from experiments.config import context_key, resolve, run_spec

    exp = resolve(_compose(["experiment=warning_quality"]), "/tmp")
    cells = {c.axes["warning"]: c for c in exp.cells if c.axes["instrument"] == "envoy"}
    late = cells["clean_late"]
    assert late.early_warning == {"un_warning_quality": 0.85, "un_warning_threshold": 0.7}
    assert late.model == {"warning_persistence_weeks": 3}
    assert cells["default"].model == {} and cells["default"].early_warning == {}
    spec = run_spec(exp, late)
    assert spec.params.warning_persistence_weeks == 3
    assert spec.scenario.un_warning_quality == 0.85
    keys = {context_key(exp, c) for c in cells.values()}
    assert len(keys) == len(cells)  # a profile's model overrides are part of the cell's context
    # a model override on the command line is shared by every cell, below the profile's
    exp2 = resolve(_compose(["experiment=warning_quality", "model.observation_noise=0.5"]), "/tmp")
    assert exp2.context["model"] == {"observation_noise": 0.5}
    late2 = next(c for c in exp2.cells if c.cell_id == late.cell_id)
    assert late2.fingerprint != late.fingerprint
    assert run_spec(exp2, late2).params.observation_noise == 0.5


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        (
            "calibration",
            {"samples": 150, "replicates": 600, "history_replicates": 40, "history_weeks": 1040},
        ),
        ("sensitivity", {"morris_trajectories": 20, "sobol_base": 256, "replicates": 400}),
        ("scenario_discovery", {"samples": 200, "replicates": 200}),
    ],
)
def test_other_kinds_compose_and_are_handed_to_their_module(name, keys, tmp_path, monkeypatch):
    """experiment=calibration / sensitivity compose; a job hands the experiment section to
    experiments.<kind>.run_experiment (stubbed here: nothing runs)."""
    import types

    from experiments import jobs
    from sim.errors import SimInputError

    cfg = _compose([f"experiment={name}"])
    assert cfg.experiment.kind == name and cfg.experiment.seed == 0
    assert cfg.experiment.out_dir == f"outputs/experiments/{name}"
    for key, value in keys.items():
        assert cfg.experiment[key] == value, key
    calls = []
    stub = types.ModuleType(f"experiments.{name}")
    stub.run_experiment = lambda section, out_dir: (
        calls.append((section, out_dir)) or {"table": out_dir / "t.csv"}
    )
    monkeypatch.setitem(sys.modules, f"experiments.{name}", stub)
    files = jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    [(section, out_dir)] = calls
    assert out_dir == tmp_path / "outputs" / "experiments" / name
    assert files == {"table": out_dir / "t.csv"}
    assert section["kind"] == name and all(section[k] == v for k, v in keys.items())
    assert all(v is not None for v in section.values())
    with pytest.raises(SimInputError, match="experiment.kind"):
        jobs.run_job(_compose(["experiment.kind=bogus"]), multirun=False, cwd=tmp_path)


def test_bad_cell_keys_are_one_line_errors(tmp_path):
    from experiments import jobs
    from sim.errors import SimInputError

    cfg = _compose([*TINY, "cell.unity=0.5", f"experiment.out_dir={tmp_path}"])
    with pytest.raises(SimInputError, match="cell.unity"):
        jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    cfg = _compose([*TINY, "cell.instrument=peacekeeping", f"experiment.out_dir={tmp_path}"])
    with pytest.raises(SimInputError, match="matches no cell"):
        jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    assert jobs.run_job(cfg, multirun=True, cwd=tmp_path).computed == []  # off-grid job: no-op
    cfg = _compose([*TINY, "block=2", f"experiment.out_dir={tmp_path}"])
    with pytest.raises(SimInputError, match="block"):
        jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    cfg = _compose(
        [*TINY, "experiment.policy={mediator: nobody}", f"experiment.out_dir={tmp_path}"]
    )
    with pytest.raises(SimInputError, match="mediator"):
        jobs.run_job(cfg, multirun=False, cwd=tmp_path)
    assert not (tmp_path / "cells").exists()


def test_uncovered_ranges():
    from experiments.cells import BlockFile, uncovered

    def f(a, b, ok=True):
        return BlockFile(Path(f"reps-{a}-{b}.parquet"), a, b, {}, "" if ok else "stale")

    assert uncovered([], 0, 10) == [(0, 10)]
    assert uncovered([f(0, 10)], 0, 10) == []
    assert uncovered([f(0, 4), f(6, 10)], 0, 10) == [(4, 6)]
    assert uncovered([f(0, 4), f(2, 8, ok=False)], 0, 10) == [(4, 10)]
    assert uncovered([f(0, 5), f(5, 10)], 3, 7) == []
    assert uncovered([f(0, 3), f(2, 6)], 0, 10) == [(6, 10)]


def test_prevention_window():
    from experiments.tables import window_from_benefits

    lags = np.array([0, 4, 8, 12])
    assert window_from_benefits(np.array([0.4, 0.3, 0.1, 0.0]), lags) == pytest.approx(6.0)
    assert window_from_benefits(np.array([0.4, 0.2, 0.1, 0.0]), lags) == pytest.approx(4.0)
    assert np.isinf(window_from_benefits(np.array([0.4, 0.35, 0.3, 0.25]), lags))
    assert np.isnan(window_from_benefits(np.array([0.0, 0.1, 0.2, 0.3]), lags))
    assert np.isnan(window_from_benefits(np.array([-0.1, -0.2, 0.0, 0.0]), lags))
    # first crossing counts, even if the benefit recovers later
    assert window_from_benefits(np.array([0.4, 0.1, 0.4, 0.4]), lags) == pytest.approx(2 + 2 / 3)
    rows = window_from_benefits(np.array([[0.4, 0.3, 0.1, 0.0], [0.0, 0.0, 0.0, 0.0]]), lags)
    assert rows[0] == pytest.approx(6.0) and np.isnan(rows[1])


def test_forecast_metrics_match_brute_force():
    from experiments.metrics import auroc, average_precision, brier

    rng = np.random.default_rng(4)
    for _ in range(20):
        y = rng.integers(0, 2, 40)
        s = rng.integers(0, 5, 40) / 4.0  # many ties
        pos, neg = s[y == 1], s[y == 0]
        pairs = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
        assert auroc(y, s) == pytest.approx(pairs)
        ap = 0.0
        for t in sorted(set(s), reverse=True):  # precision at each distinct threshold
            sel = s >= t
            recall = (y[sel] == 1).sum() / y.sum()
            prev = (y[s > t] == 1).sum() / y.sum()
            ap += (recall - prev) * (y[sel] == 1).mean()
        assert average_precision(y, s) == pytest.approx(ap)
        assert brier(y, s) == pytest.approx(np.mean((s - y) ** 2))
    assert np.isnan(auroc([1, 1], [0.2, 0.3])) and np.isnan(average_precision([0, 0], [0.1, 0.2]))
    # a binary warning: AUROC = (1 + TPR - FPR) / 2, AP = TPR * PPV + (1 - TPR) * base rate
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    w = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    tpr, fpr, ppv, base = 2 / 4, 1 / 4, 2 / 3, 4 / 8
    assert auroc(y, w) == pytest.approx((1 + tpr - fpr) / 2)
    assert average_precision(y, w) == pytest.approx(tpr * ppv + (1 - tpr) * base)


def test_warning_scores_use_warnings_before_onset():
    from experiments.tables import warning_scores

    f = pd.DataFrame(
        {
            "violence": [1, 1, 1, 0, 0, 0],
            "onset_week": [10, 10, 10, -1, -1, -1],
            "warning_week": [4, 12, -1, 3, -1, -1],  # early, late (a miss), none; false alarm
        }
    )
    s = warning_scores(f)
    assert s["tpr"] == pytest.approx(1 / 3) and s["fpr"] == pytest.approx(1 / 3)
    assert s["lead_median"] == 6.0 and s["n_true_positives"] == 1
    assert s["p_violence_if_warned"] == pytest.approx(0.5)
    assert s["brier_base_rate"] == pytest.approx(0.25)


def test_job_code_keeps_kernels_importable_and_cached():
    """Launchers pickle by value what lives in __main__: job code must reach the kernels
    through their module, and set the numba cache before importing sim."""
    for path in (ROOT / "experiments").glob("*.py"):
        text = path.read_text()
        assert "from sim.kernels import" not in text, path
        assert "from sim import run_ensemble" not in text, path
    env = _env()
    env.pop("NUMBA_CACHE_DIR")
    code = (
        "import os, sys, experiments.app; print(os.environ['NUMBA_CACHE_DIR']); "
        "import numba; print(numba.config.CACHE_DIR)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [str(ROOT / ".numba_cache")] * 2


# ---------------------------------------------------------------- package structure
PACKAGE = ROOT / "experiments"


def _statements(name: str, top_level_only: bool) -> list[ast.AST]:
    tree = ast.parse((PACKAGE / f"{name}.py").read_text())
    return tree.body if top_level_only else list(ast.walk(tree))


def _package_modules_imported(node: ast.AST, modules: set[str]) -> set[str]:
    """Modules of the experiments package an import statement names (``__init__`` for the
    package itself), whether written ``from .x``, ``from . import x`` or ``experiments.x``."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.split(".")[0] == "experiments"]
        return {n.partition(".")[2] or "__init__" for n in names}
    if not isinstance(node, ast.ImportFrom):
        return set()
    if node.level == 1:
        base = node.module
    elif node.level == 0 and (node.module or "").split(".")[0] == "experiments":
        base = node.module.partition(".")[2]
    else:
        return set()
    if base:
        return {base.split(".")[0]}
    return {a.name if a.name in modules else "__init__" for a in node.names}


def _package_imports(top_level_only: bool = False) -> dict[str, set[str]]:
    """``{module: package modules it imports}``; function-level imports count too unless
    ``top_level_only``."""
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    return {
        name: set().union(
            *(_package_modules_imported(n, modules) for n in _statements(name, top_level_only))
        )
        - {name}
        for name in modules
    }


def _outside_imports(name: str, top_level_only: bool) -> set[str]:
    """The outside packages a module imports (their top-level names)."""
    out = set()
    for node in _statements(name, top_level_only):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


def test_package_modules_import_one_way():
    """No import cycle, lazy imports included: config -> cells -> tables -> figures -> analyses
    -> aggregate -> jobs -> app / callbacks."""
    graph = _package_imports()
    assert {"tables", "cells", "analyses"} <= graph["aggregate"]  # the walk sees the imports,
    assert "aggregate" in graph["jobs"]  # function-level ones too
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        pytest.fail(f"import cycle in experiments/: {' -> '.join(e.args[1])}")
    assert order.index("config") < order.index("cells") < order.index("tables")
    assert order.index("tables") < order.index("figures") < order.index("analyses")
    assert order.index("analyses") < order.index("aggregate") < order.index("jobs")
    assert order.index("jobs") < min(order.index("app"), order.index("callbacks"))


#: Modules of ``experiment.kind`` other than grid: loaded by the job only for that experiment.
STANDALONE = {"calibration", "sensitivity", "scenario_discovery"}


def test_job_start_up_imports_neither_pandas_nor_matplotlib():
    """The modules a Hydra job imports before it computes (the module-level closure of the app
    and the callback) import neither pandas nor matplotlib at module level; only the figures
    module uses matplotlib, and inside its functions."""
    graph = _package_imports(top_level_only=True)
    todo, start_up = ["app", "callbacks"], set()
    while todo:
        name = todo.pop()
        if name not in start_up:
            start_up.add(name)
            todo += graph[name]
    assert {"app", "callbacks", "jobs", "cells", "config"} <= start_up
    assert not start_up & {"aggregate", "tables", "figures", "analyses"}
    for name in start_up:
        assert not _outside_imports(name, top_level_only=True) & {"pandas", "matplotlib"}, name
    for name in graph:  # the stand-alone experiments (experiment.kind) draw their own figures
        uses_matplotlib = "matplotlib" in _outside_imports(name, top_level_only=False)
        assert uses_matplotlib == (name in {"figures", *STANDALONE}), name
    assert "matplotlib" not in _outside_imports("figures", top_level_only=True)


def test_every_analysis_is_known_to_the_config():
    from experiments.analyses import ANALYSES
    from experiments.config import ANALYSES as CONFIG_ANALYSES

    assert tuple(ANALYSES) == CONFIG_ANALYSES
