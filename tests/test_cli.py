"""The single-run command ``python -m sim``: its files, determinism, and one-line errors.

Subprocesses are expensive here (importing numba and pandas takes seconds), so every command is
started at once by a module fixture and the tests only wait for their own. The corpus of bad
inputs runs in one subprocess that imports ``sim.__main__`` once and forks a child per input;
each child runs the real entry point ``main()`` with its own argv, stderr and exit status. A
handful of the bad inputs also run as real ``python -m sim`` commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_driver import DRIVER  # the forked-children CLI driver, shared

from sim.state import OUTCOME_FIELDS, TIMESERIES_FIELDS

ROOT = Path(__file__).resolve().parent.parent
N, WEEKS = 40, 52
SMALL = [f"run.replicates={N}", f"run.horizon_weeks={WEEKS}"]
GOOD = ["policy=envoy", "policy.lag_weeks=4", "run.seed=3", "output.timeseries_replicate=5", *SMALL]
OUTCOME_COLUMNS = ["arm", "policy", "instrument", "lag_weeks", "replicate", *OUTCOME_FIELDS]
SERIES_COLUMNS = ["arm", "policy", "replicate", *TIMESERIES_FIELDS]
SUMMARY_KEYS = {
    "scenario",
    "scenario_source",
    "n_parties",
    "policy",
    "policy_config",
    "baseline",
    "n",
    "horizon_weeks",
    "seed",
    "backend",
    "confidence",
    "p_violence",
    "risk_difference",
    "p_war",
    "median_onset_week",
    "mean_cost",
    "p_before_arrival",
    "p_before_arrival_low",
    "p_before_arrival_high",
    "rrr_after_arrival",
    "rrr_low",
    "rrr_high",
    "timeseries_replicate",
    "files",
}
TIMEOUT = 600


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba_cache"))
    env.pop("HYDRA_FULL_ERROR", None)
    return env


class Job:
    """A command run in a background thread (optionally after another one has finished, so
    that a cold numba cache is compiled once); ``result()`` waits for it."""

    def __init__(
        self,
        args: list[str],
        run_dir: Path | None = None,
        stdin: str | None = None,
        after: Job | None = None,
    ):
        self.args, self.run_dir, self.stdin, self.after = args, run_dir, stdin, after
        self.proc: subprocess.Popen | None = None
        self._done: tuple[int, str, str] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            if self.after is not None:
                self.after._thread.join()
            self.proc = subprocess.Popen(
                self.args,
                cwd=ROOT,
                env=_env(),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.PIPE if self.stdin else None,
            )
            out, err = self.proc.communicate(self.stdin, timeout=TIMEOUT)
            self._done = (self.proc.returncode, out, err)
        except BaseException as e:  # reported by result()
            self._error = e

    def result(self) -> tuple[int, str, str]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._done

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()


def _numba_cache_warm() -> bool:
    """Whether the kernels' numba cache is newer than their source (a heuristic)."""
    import sim.kernels

    src = Path(sim.kernels.__file__)
    cache = Path(_env()["NUMBA_CACHE_DIR"])
    stamp = src.stat().st_mtime
    return all(
        any(p.stat().st_mtime >= stamp for p in cache.glob(f"sim_*/kernels.{fn}-*.nbi"))
        for fn in ("ensemble", "run_replicate")
    )


# ---------------------------------------------------------------- broken scenario files
PROVENANCE = """provenance:
  stands_for: a test
  sources: [{file: none.md, paragraphs: [1]}]
  invented: everything
  disclaimer: A stylised teaching scenario, not a forecast.
"""
VALID_BODY = """name: tiny
parties:
  - {id: a, kind: government, grievance: 0.4}
  - {id: b, kind: armed_group, grievance: 0.5}
relations:
  - {between: [a, b], kind: rivalry, tension: 0.3}
"""
BROKEN_FILES = {
    "bad_yaml.yaml": "name: [unclosed\nparties: {\n",
    "not_mapping.yaml": "- a\n- b\n",
    "empty.yaml": "",
    "no_provenance.yaml": VALID_BODY,
    "unknown_key.yaml": VALID_BODY + "colour: red\n" + PROVENANCE,
    "bad_grievance.yaml": VALID_BODY.replace("grievance: 0.5", "grievance: high") + PROVENANCE,
    "bad_relation.yaml": VALID_BODY.replace("[a, b]", "[a, zz]") + PROVENANCE,
    "duplicate_key.yaml": VALID_BODY + "name: again\n" + PROVENANCE,
    "python_tag.yaml": "name: !!python/object/apply:os.system ['true']\n" + PROVENANCE,
    "bad_kind.yaml": VALID_BODY.replace("kind: government", "kind: king") + PROVENANCE,
    "wrong_suffix.txt": VALID_BODY + PROVENANCE,
}


#: (case id, overrides, text the one-line error must contain: the key it names); ``{tmp}`` is
#: the test's directory.
BAD_INPUTS = [
    ("unknown policy option", ["policy=sanction"], "policy: got 'sanction'"),
    ("typo key", ["policy.lagg=3"], "policy.lagg"),
    ("wrong type", ["run.replicates=abc"], "run.replicates"),
    ("float for int", ["run.horizon_weeks=1.5"], "run.horizon_weeks"),
    ("bad bool", ["policy.withdraw_when_calm=maybe"], "policy.withdraw_when_calm"),
    ("bad backend", ["run.backend=cuda"], "run.backend"),
    ("negative lag", ["policy.lag_weeks=-1"], "policy.lag_weeks"),
    ("zero replicates", ["run.replicates=0"], "run.replicates"),
    ("zero horizon", ["run.horizon_weeks=0"], "run.horizon_weeks"),
    ("negative seed", ["run.seed=-1"], "run.seed"),
    ("zero chunk", ["run.chunk=0"], "run.chunk"),
    ("zero threads", ["run.threads=0"], "run.threads"),
    (
        "probability 1.5",
        ["early_warning.un_warning_quality=1.5"],
        "early_warning.un_warning_quality",
    ),
    (
        "NaN threshold",
        ["early_warning.un_warning_threshold=nan"],
        "early_warning.un_warning_threshold",
    ),
    ("old early_warning key", ["early_warning.un_quality=0.5"], "early_warning.un_quality"),
    ("NaN intensity", ["policy.intensity=nan"], "policy.intensity"),
    ("zero intensity", ["policy.intensity=0"], "policy.intensity"),
    ("unity 2", ["policy.unity=2"], "policy.unity"),
    ("zero duration", ["policy.duration_weeks=0"], "policy.duration_weeks"),
    (
        "zero persistence",
        ["model.warning_persistence_weeks=0"],
        "model.warning_persistence_weeks",
    ),
    ("negative noise", ["model.observation_noise=-1"], "model.observation_noise"),
    ("unknown early_warning option", ["early_warning=nosy"], "early_warning: got 'nosy'"),
    ("unknown scenario option", ["scenario=atlantis"], "scenario: got 'atlantis'"),
    ("unknown scenario name", ["scenario.name=atlantis"], "scenario.name"),
    ("unknown network option", ["network=ring"], "network: got 'ring'"),
    ("bad sponsor", ["policy.sponsor=nato"], "policy.sponsor"),
    ("bad mediator", ["policy.mediator=nobody"], "policy.mediator"),
    (
        "mediator without envoy",
        ["policy=sanctions", "policy.mediator=un_envoy"],
        "policy.mediator",
    ),
    ("instrument typo", ["policy.instrument=sanction"], "policy.instrument"),
    ("negative drift", ["model.tension_drift=-1"], "model.tension_drift"),
    ("rates sum over 1", ["model.escalation_rate=0.9"], "model.escalation_rate"),
    ("thresholds out of order", ["model.threshold_crisis=0.2"], "model.threshold_"),
    ("unknown model key", ["model.no_such=1"], "model.no_such"),
    ("typo in a model key", ["model.tension_decy=1"], "error: model.tension_decy: unknown key"),
    (
        "typo in a nested model key",
        ["model.instruments.envoi.deploy_weeks=4"],
        "model.instruments.envoi: unknown key",
    ),
    (
        "nested model value of the wrong type",
        ["model.instruments.envoy.deploy_weeks=soon"],
        "model.instruments.envoy.deploy_weeks",
    ),
    (
        "model value out of range",
        ["model.tension_decay=2"],
        "error: model.tension_decay: got 2.0; must be in [0.0, 1.0]",
    ),
    (
        "nested model value out of range",
        ["model.stage_effect.envoy.war=3"],
        "model.stage_effect.envoy.war: got 3.0",
    ),
    ("added run key", ["+run.extra=1"], "run: got ['extra']"),
    ("unknown top key", ["foo=1"], "foo"),
    (
        "sample replicate out of range",
        [f"output.timeseries_replicate={N}"],
        "output.timeseries_replicate",
    ),
    ("unparsable override", ["policy.lag_weeks=[1"], "policy.lag_weeks=[1"),
    ("unknown launcher", ["hydra/launcher=nope"], "hydra/launcher: got 'nope'"),
    ("missing scenario file", ["scenario.file={tmp}/missing.yaml"], "scenario.file"),
    ("scenario given as a missing path", ["scenario={tmp}/missing.yaml"], "scenario.file"),
    (
        "generator key on a named scenario",
        ["scenario=two_party", "scenario.n_parties=5"],
        "scenario.n_parties",
    ),
    (
        "generated: too few parties",
        ["scenario=generated", "network.n_parties=1"],
        "network.n_parties",
    ),
]


def _bad_inputs(tmp: Path) -> list[tuple[str, list[str], str]]:
    """The cases of BAD_INPUTS and one per broken scenario file (written into ``tmp``)."""
    cases = [(c, [o.replace("{tmp}", str(tmp)) for o in args], e) for c, args, e in BAD_INPUTS]
    for name, text in BROKEN_FILES.items():
        (tmp / name).write_text(text)
        expect = name if name.endswith(".txt") else Path(name).stem
        cases.append((f"broken file {name}", [f"scenario.file={tmp / name}"], expect))
    return cases


# Bad inputs also run as the real command, one of each kind of failure.
REAL_BAD = (
    "unknown policy option",
    "negative lag",
    "typo in a model key",
    "broken file bad_yaml.yaml",
)
#: Modules ``python -m sim --help`` must not import (it loads Hydra and the config only).
HEAVY_MODULES = ("sim.kernels", "sim.ensemble", "pandas", "matplotlib", "pyarrow", "tqdm")
MODEL_OVERRIDES = [
    "model.tension_decay=0.05",
    "model.instruments.envoy.deploy_weeks=4",
    "model.stage_effect.envoy.war=0.5",
    "early_warning=clean_late",
]


def _start_commands(tmp: Path) -> dict[str, Job]:
    """The good runs, ``--cfg job``, ``--help`` and ``import sim``."""
    sim = [sys.executable, "-m", "sim"]
    started = {
        "a": Job([*sim, *GOOD, "run.chunk=15", f"hydra.run.dir={tmp / 'good_a'}"], tmp / "good_a")
    }
    # With a cold numba cache, b waits for a (which compiles the kernels once for both).
    after = None if _numba_cache_warm() else started["a"]
    started["b"] = Job(
        [*sim, *GOOD, f"hydra.run.dir={tmp / 'good_b'}"], tmp / "good_b", after=after
    )
    cfg_args = ["policy=envoy", "policy.lag_weeks=4", f"hydra.run.dir={tmp / 'cfg'}"]
    started["cfg"] = Job([*sim, *cfg_args, "--cfg", "job"], tmp / "cfg")
    started["cfg_model"] = Job([*sim, *MODEL_OVERRIDES, "--cfg", "job"])
    started["help"] = Job([sys.executable, "-X", "importtime", "-m", "sim", "--help"])
    started["import"] = Job([sys.executable, "-X", "importtime", "-c", "import sim"])
    script = Path(sys.executable).parent / "prevention-sim"
    if script.exists():
        started["script"] = Job([str(script), "policy=statement", "--cfg", "job"])
    return started


def _start_bad_inputs(tmp: Path) -> dict[str, object]:
    """Every bad input in one forked batch, and the REAL_BAD ones as real commands."""
    cases = _bad_inputs(tmp)
    started: dict[str, object] = {}
    payload = []
    for i, (case_id, overrides, _) in enumerate(cases):
        run_dir = tmp / f"bad_{i}"
        args = [*SMALL, *overrides, f"hydra.run.dir={run_dir}"]
        payload.append(
            {"args": args, "stderr": str(tmp / f"bad_{i}.stderr"), "run_dir": str(run_dir)}
        )
        if case_id in REAL_BAD:
            real_dir = tmp / f"real_bad_{i}"
            real_args = [sys.executable, "-m", "sim", *SMALL, *overrides]
            started[f"real:{case_id}"] = Job([*real_args, f"hydra.run.dir={real_dir}"], real_dir)
    started["batch"] = Job([sys.executable, "-c", DRIVER], stdin=json.dumps(payload))
    started["cases"] = list(zip(cases, payload, strict=True))
    return started


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    """Start every command at once; tests wait for theirs."""
    tmp = tmp_path_factory.mktemp("cli")
    started = {**_start_commands(tmp), **_start_bad_inputs(tmp)}
    yield started
    for job in started.values():
        if isinstance(job, Job):
            job.kill()


def _good(jobs, name="a"):
    rc, out, err = jobs[name].result()
    assert rc == 0, err
    assert "Traceback" not in err
    return jobs[name].run_dir, out, err


# ---------------------------------------------------------------- a good run
def test_run_writes_every_file(jobs):
    run_dir, out, _ = _good(jobs)
    for name in (
        "outcomes.parquet",
        "timeseries.parquet",
        "timeseries.png",
        "summary.json",
        ".hydra/config.yaml",
        ".hydra/overrides.yaml",
    ):
        assert (run_dir / name).is_file(), name
    assert (run_dir / "timeseries.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]
    assert f"outputs: {run_dir}" in out
    assert "P(violence)" in out and "risk difference" in out
    composed = yaml.safe_load((run_dir / ".hydra/config.yaml").read_text())
    assert composed["policy"]["lag_weeks"] == 4 and composed["run"]["replicates"] == N


def test_outcomes_table(jobs):
    run_dir, _, _ = _good(jobs)
    df = pd.read_parquet(run_dir / "outcomes.parquet")
    assert list(df.columns) == OUTCOME_COLUMNS
    assert len(df) == 2 * N
    assert list(df["arm"]) == ["policy"] * N + ["baseline"] * N
    assert set(df.loc[df.arm == "policy", "policy"]) == {"envoy@4"}
    assert set(df.loc[df.arm == "baseline", "policy"]) == {"none"}
    for arm in ("policy", "baseline"):
        assert list(df.loc[df.arm == arm, "replicate"]) == list(range(N))
    for col in OUTCOME_FIELDS:
        assert df[col].dtype == (np.float64 if col == "cost" else np.int64), col
    assert set(df["violence"]) <= {0, 1} and set(df["war"]) <= {0, 1}
    assert ((df["onset_week"] >= 0) == (df["violence"] == 1)).all()
    assert (df["onset_week"] < WEEKS).all()
    assert (df.loc[df.arm == "baseline", "cost"] == 0).all()
    assert (df.loc[df.arm == "baseline", "arrival_week"] == -1).all()
    # the pairing: both arms share replicate r's draws, so their warnings agree until arrival
    pol, base = (df[df.arm == a].set_index("replicate") for a in ("policy", "baseline"))
    assert (pol["warning_week"] == base["warning_week"]).all()


def test_timeseries_table_matches_its_replicate(jobs):
    run_dir, _, _ = _good(jobs)
    ts = pd.read_parquet(run_dir / "timeseries.parquet")
    outcomes = pd.read_parquet(run_dir / "outcomes.parquet")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert list(ts.columns) == SERIES_COLUMNS
    assert len(ts) == 2 * WEEKS
    assert set(ts["replicate"]) == {5}
    stages = ["n_stable", "n_dispute", "n_crisis", "n_violence", "n_war"]
    for arm, label in (("policy", "envoy@4"), ("baseline", "none")):
        part = ts[ts.arm == arm]
        assert set(part["policy"]) == {label}
        assert list(part["week"]) == list(range(WEEKS))
        assert (part[stages].sum(axis=1) == summary["n_parties"]).all()
        assert part["cost"].is_monotonic_increasing
        row = outcomes[(outcomes.arm == arm) & (outcomes.replicate == 5)].iloc[0]
        last = part.iloc[-1]
        assert last["n_violence"] + last["n_war"] == row["violent_at_end"]
        assert last["cost"] == pytest.approx(row["cost"])
        assert part["action_active"].sum() == row["action_weeks"]
    assert (ts.loc[ts.arm == "baseline", "action_active"] == 0).all()


def test_summary(jobs):
    run_dir, _, _ = _good(jobs)
    s = json.loads((run_dir / "summary.json").read_text())
    df = pd.read_parquet(run_dir / "outcomes.parquet")
    assert set(s) == SUMMARY_KEYS
    assert (s["scenario"], s["policy"], s["baseline"]) == ("default", "envoy@4", "none")
    assert (s["n"], s["horizon_weeks"], s["seed"], s["backend"]) == (N, WEEKS, 3, "numba")
    assert s["policy_config"]["instrument"] == "envoy" and s["policy_config"]["lag_weeks"] == 4
    assert s["files"] == [
        "outcomes.parquet",
        "timeseries.parquet",
        "timeseries.png",
        "summary.json",
    ]
    for arm in ("policy", "baseline"):
        part = df[df.arm == arm]
        for key, col in (("p_violence", "violence"), ("p_war", "war")):
            ci = s[key][arm]
            assert ci["p"] == pytest.approx(part[col].mean())
            assert 0.0 <= ci["low"] <= ci["p"] <= ci["high"] <= 1.0
            assert ci["low"] < ci["high"]
        onset = part.loc[part.onset_week >= 0, "onset_week"]
        expected = float(onset.median()) if len(onset) else None
        assert s["median_onset_week"][arm] == expected
        assert s["mean_cost"][arm] == pytest.approx(part["cost"].mean())
    rd = s["risk_difference"]
    diff = s["p_violence"]["policy"]["p"] - s["p_violence"]["baseline"]["p"]
    assert rd["mean"] == pytest.approx(diff)
    assert rd["low"] <= rd["mean"] <= rd["high"]
    # the effect split at the action's arrival
    pol, base = (df[df.arm == arm].set_index("replicate") for arm in ("policy", "baseline"))
    before = (pol.violence == 1) & ((pol.arrival_week < 0) | (pol.onset_week < pol.arrival_week))
    assert s["p_before_arrival"] == pytest.approx(before.mean())
    assert s["p_before_arrival_low"] <= s["p_before_arrival"] <= s["p_before_arrival_high"]
    assert (base.violence[before] == 1).all()  # those onsets happen without the action too
    assert (base.onset_week[before] == pol.onset_week[before]).all()
    after = ~before
    if base.violence[after].sum():
        expected = 1 - pol.violence[after].sum() / base.violence[after].sum()
        assert s["rrr_after_arrival"] == pytest.approx(expected)
        assert s["rrr_low"] <= s["rrr_after_arrival"] <= s["rrr_high"]


def test_same_config_same_results(jobs):
    """Run b differs only in its chunk size (250 vs 15): identical tables and summary."""
    dir_a, _, _ = _good(jobs, "a")
    dir_b, _, _ = _good(jobs, "b")
    a, b = (pd.read_parquet(d / "outcomes.parquet") for d in (dir_a, dir_b))
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert (dir_a / "outcomes.parquet").read_bytes() == (dir_b / "outcomes.parquet").read_bytes()
    assert (dir_a / "timeseries.parquet").read_bytes() == (
        dir_b / "timeseries.parquet"
    ).read_bytes()
    assert (dir_a / "summary.json").read_text() == (dir_b / "summary.json").read_text()


def test_cfg_job_prints_the_config(jobs):
    rc, out, err = jobs["cfg"].result()
    assert rc == 0, err
    cfg = yaml.safe_load(out)
    assert set(cfg) == {"scenario", "network", "early_warning", "policy", "model", "run", "output"}
    assert cfg["policy"]["instrument"] == "envoy" and cfg["policy"]["lag_weeks"] == 4
    assert cfg["run"] == {
        "horizon_weeks": 104,
        "replicates": 1000,
        "seed": 0,
        "backend": "numba",
        "threads": None,
        "chunk": 250,
    }
    assert cfg["model"]["tension_decay"] == 0.04
    assert cfg["model"]["instruments"]["envoy"]["deploy_weeks"] == 1
    assert cfg["model"]["stage_effect"]["envoy"]["war"] == 0.2
    assert cfg["early_warning"] == {"un_warning_quality": None, "un_warning_threshold": None}
    assert not jobs["cfg"].run_dir.exists()


def test_cfg_job_shows_the_model_in_effect(jobs):
    rc, out, err = jobs["cfg_model"].result()
    assert rc == 0, err
    cfg = yaml.safe_load(out)
    model = cfg["model"]
    assert model["tension_decay"] == 0.05
    assert model["instruments"]["envoy"]["deploy_weeks"] == 4
    assert model["stage_effect"]["envoy"]["war"] == 0.5
    # early_warning=clean_late sets the scenario's UN keys and two model parameters
    assert cfg["early_warning"] == {"un_warning_quality": 0.9, "un_warning_threshold": 0.7}
    assert (model["observation_noise"], model["warning_persistence_weeks"]) == (0.1, 4)


def _imported(importtime_stderr: str) -> set[str]:
    """Module names in the output of ``python -X importtime``."""
    names = set()
    for line in importtime_stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


def test_help_imports_neither_kernels_nor_pandas(jobs):
    rc, out, err = jobs["help"].result()
    assert rc == 0, err
    assert "== Configuration groups ==" in out and "policy:" in out
    modules = _imported(err)
    assert "hydra" in modules and "sim.config" in modules
    assert not {m for m in modules if m.split(".")[0] in HEAVY_MODULES or m in HEAVY_MODULES}


def test_import_sim_is_light(jobs):
    rc, _, err = jobs["import"].result()
    assert rc == 0, err
    modules = _imported(err)
    assert "sim" in modules
    for heavy in ("hydra", "omegaconf", "pandas", "matplotlib", "sim.kernels"):
        assert heavy not in modules, heavy


def test_console_script(jobs):
    if "script" not in jobs:
        pytest.skip("prevention-sim console script not installed")
    rc, out, err = jobs["script"].result()
    assert rc == 0, err
    assert yaml.safe_load(out)["policy"]["instrument"] == "statement"


# ---------------------------------------------------------------- bad inputs
def _check_error(rc: int, err: str, expect: str, run_dir: Path, case_id: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert rc == 2, f"{case_id}: exit {rc}: {err}"
    assert len(lines) == 1, f"{case_id}: {err}"
    assert lines[0].startswith("error: "), f"{case_id}: {err}"
    assert expect in lines[0], f"{case_id}: {lines[0]!r} does not name {expect!r}"
    assert "Traceback" not in err
    for name in ("outcomes.parquet", "summary.json", "timeseries.parquet", "timeseries.png"):
        assert not (run_dir / name).exists(), f"{case_id}: left {name}"


def test_bad_inputs_exit_with_one_line(jobs):
    rc, out, err = jobs["batch"].result()
    assert rc == 0, err
    codes = json.loads(out.strip().splitlines()[-1])
    cases = jobs["cases"]
    assert len(cases) >= 25 and len(codes) == len(cases)
    for ((case_id, _, expect), case), code in zip(cases, codes, strict=True):
        _check_error(code, Path(case["stderr"]).read_text(), expect, Path(case["run_dir"]), case_id)


@pytest.mark.parametrize("case_id", REAL_BAD)
def test_bad_inputs_as_real_commands(jobs, case_id):
    expect = next(e for (c, _, e), _ in jobs["cases"] if c == case_id)
    job = jobs[f"real:{case_id}"]
    rc, _, err = job.result()
    _check_error(rc, err, expect, job.run_dir, case_id)


# ---------------------------------------------------------------- in-process pieces
def _spec(*overrides: str):
    from hydra import compose, initialize_config_dir

    from sim.config import CONFIG_DIR, build_run

    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return build_run(compose("config", overrides=list(overrides)))


def test_chunks_equal_one_call():
    import dataclasses

    from sim.__main__ import run_outcomes
    from sim.ensemble import run_ensemble

    spec = _spec(
        "policy=sanctions",
        "policy.lag_weeks=2",
        "run.replicates=23",
        "run.horizon_weeks=30",
        "run.seed=11",
        "run.chunk=5",
    )
    chunked = run_outcomes(spec, progress=False)
    whole = run_ensemble(
        spec.scenario,
        list(spec.policies),
        replicates=23,
        horizon_weeks=30,
        seed=11,
        params=spec.params,
    )
    pd.testing.assert_frame_equal(chunked.drop(columns="arm"), whole, check_exact=True)
    one = run_outcomes(dataclasses.replace(spec, chunk=1000), progress=False)
    pd.testing.assert_frame_equal(chunked, one, check_exact=True)


def test_policy_none_keeps_both_arms():
    from sim.__main__ import run_outcomes, summarise

    spec = _spec("policy=none", "run.replicates=7", "run.horizon_weeks=20", "run.chunk=3")
    df = run_outcomes(spec, progress=False)
    assert list(df["arm"]) == ["policy"] * 7 + ["baseline"] * 7
    s = summarise(spec, df)
    assert s["risk_difference"] == {"mean": 0.0, "low": 0.0, "high": 0.0}
    for key in ("p_before_arrival", "p_before_arrival_high", "rrr_after_arrival", "rrr_low"):
        assert s[key] is None, key  # no action: nothing arrives


def test_reference_backend_matches_numba(tmp_path):
    import dataclasses

    from sim.__main__ import execute, run_outcomes, run_series

    spec = _spec(
        "policy=envoy",
        "policy.lag_weeks=1",
        "run.replicates=3",
        "run.horizon_weeks=25",
        "run.backend=reference",
        "run.seed=2",
    )
    ref = run_outcomes(spec, progress=False)
    fast = run_outcomes(dataclasses.replace(spec, backend="numba"), progress=False)
    pd.testing.assert_frame_equal(ref, fast, check_exact=False, rtol=1e-9)
    ref_ts, _ = run_series(spec)
    fast_ts, _ = run_series(dataclasses.replace(spec, backend="numba"))
    pd.testing.assert_frame_equal(ref_ts, fast_ts, check_exact=False, rtol=1e-9)
    summary = execute(spec, tmp_path, plot=False, progress=False)
    assert summary["backend"] == "reference" and summary["n"] == 3
    assert summary["files"] == ["outcomes.parquet", "timeseries.parquet", "summary.json"]
    assert not (tmp_path / "timeseries.png").exists()


def test_nested_model_override_reaches_the_run():
    """An envoy that takes longer to deploy than the horizon never arrives."""
    from sim.__main__ import run_outcomes

    common = ["policy=envoy", "run.replicates=20", "run.horizon_weeks=52"]
    slow = run_outcomes(_spec(*common, "model.instruments.envoy.deploy_weeks=520"), progress=False)
    usual = run_outcomes(_spec(*common), progress=False)
    assert (usual.loc[usual.arm == "policy", "arrival_week"] >= 0).any()
    assert (slow["arrival_week"] == -1).all()
    assert (slow["cost"] == 0).all()


def test_one_replicate_has_no_difference_interval():
    from sim.__main__ import format_summary, run_outcomes, summarise

    spec = _spec("run.replicates=1", "run.horizon_weeks=10")
    s = summarise(spec, run_outcomes(spec, progress=False))
    assert s["risk_difference"]["low"] is None
    assert "risk difference" in format_summary(s, Path("x"))


# ---------------------------------------------------------------- sim.cli_errors
def test_user_error_messages():
    from hydra.errors import MissingConfigException

    from sim.cli_errors import user_error_message
    from sim.errors import SimInputError

    assert user_error_message(SimInputError("run.seed", -1, "must be >= 0")) == (
        "run.seed: got -1; must be >= 0"
    )
    missing = FileNotFoundError(2, "No such file or directory", "/x/out")
    assert user_error_message(missing) == "/x/out: No such file or directory"
    e = MissingConfigException("nope", missing_cfg_file="policy/sanction", options=["envoy"])
    assert user_error_message(e) == "policy: got 'sanction'; must be one of envoy"
    assert user_error_message(ZeroDivisionError("a bug")) is None
    assert user_error_message(KeyError("k")) is None


def _app_raising(exc: BaseException):
    from sim.cli_errors import stop_on_bad_input

    def app():
        with stop_on_bad_input(multirun=False):
            raise exc

    return app


def test_run_hydra_main_turns_user_errors_into_one_line(capsys, monkeypatch):
    from sim.cli_errors import EXIT_BAD_INPUT, BadInput, run_hydra_main
    from sim.errors import SimInputError

    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    with pytest.raises(SystemExit) as info:
        run_hydra_main(_app_raising(SimInputError("policy.lag_weeks", -1, "must be >= 0")))
    assert info.value.code == EXIT_BAD_INPUT
    assert capsys.readouterr().err == "error: policy.lag_weeks: got -1; must be >= 0\n"
    assert "HYDRA_FULL_ERROR" not in os.environ
    assert issubclass(BadInput, SystemExit)
    with pytest.raises(ZeroDivisionError):  # a bug keeps its traceback
        run_hydra_main(_app_raising(ZeroDivisionError()))
    with pytest.raises(SystemExit) as info:  # other errors may be handled by the caller
        run_hydra_main(_app_raising(RuntimeError("cells failed")), on_other_error=lambda e: 3)
    assert info.value.code == 3


def test_full_error_keeps_the_traceback(monkeypatch):
    from sim.cli_errors import run_hydra_main
    from sim.errors import SimInputError

    monkeypatch.setenv("HYDRA_FULL_ERROR", "1")
    with pytest.raises(SimInputError):
        run_hydra_main(_app_raising(SimInputError("run.seed", -1, "must be >= 0")))


# ---------------------------------------------------------------- atomic writers
def test_writers_roundtrip(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.files import save_figure, write_csv, write_json, write_parquet

    df = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]})
    write_parquet(df, tmp_path / "sub" / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sub" / "t.parquet"), df)
    write_csv(df, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines()[0] == "a,b"
    write_json(
        {"x": np.int64(3), "y": np.float64("nan"), "z": np.arange(2), "p": tmp_path},
        tmp_path / "s.json",
    )
    assert json.loads((tmp_path / "s.json").read_text()) == {
        "x": 3,
        "y": None,
        "z": [0, 1],
        "p": str(tmp_path),
    }
    fig = plt.figure()
    save_figure(fig, tmp_path / "f.png")
    plt.close(fig)
    assert (tmp_path / "f.png").read_bytes()[:4] == b"\x89PNG"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "t.csv").stat().st_mode & 0o777 == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.png", "s.json", "sub", "t.csv"]


def test_a_failed_write_leaves_the_old_file(tmp_path):
    from sim.files import write_json, write_parquet

    target = tmp_path / "t.parquet"
    write_parquet(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()

    class Boom(pd.DataFrame):
        def to_parquet(self, path, **kw):
            Path(path).write_bytes(b"PAR1 half a table")
            raise KeyboardInterrupt  # as if killed mid-write

    with pytest.raises(KeyboardInterrupt):
        write_parquet(Boom({"a": [2]}), target)
    assert target.read_bytes() == before
    with pytest.raises(TypeError):
        write_json({"bad": object()}, tmp_path / "s.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def test_a_scenario_path_is_read_as_scenario_file():
    """``scenario=<file>`` means the file (Hydra would take it as a group option's name)."""
    from sim.cli_errors import scenario_path_overrides

    assert scenario_path_overrides(["scenario=my.yaml", "scenario=runs/a", "x=1"]) == [
        "scenario.file=my.yaml",
        "scenario.file=runs/a",
        "x=1",
    ]
    kept = ["scenario=kenya_2008", "scenario=a.yaml,b.yaml", "scenario.name=x.yaml"]
    assert scenario_path_overrides(kept) == kept
