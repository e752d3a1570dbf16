"""The EMA Workbench adapter (sim/ema.py): names from the schema, paired outcomes, seeds that
make parallel evaluation equal sequential evaluation, and a script written as an EMA user would."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

import sim.ema  # noqa: E402
from sim import schema  # noqa: E402
from sim.ensemble import simulate  # noqa: E402
from sim.errors import SimInputError  # noqa: E402
from sim.policy import Policy  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
POLICIES = ["none", {"instrument": "envoy", "lag_weeks": 2}]
TINY = {"replicates": 24, "horizon_weeks": 52, "seed": 3}


def test_uncertainties_and_levers_come_from_the_schema():
    model = sim.ema.model(**TINY)
    names = [u.name for u in model.uncertainties]
    assert names == [d.ident for d in schema.sampled()]
    for u, d in zip(model.uncertainties, schema.sampled(), strict=True):
        assert (u.lower_bound, u.upper_bound) == pytest.approx(d.plausible)
    assert [lever.name for lever in model.levers] == [
        "policy__instrument", "policy__lag_weeks", "policy__intensity"
    ]  # fmt: skip
    assert [o.name for o in model.outcomes] == list(sim.ema.OUTCOMES)


def test_named_uncertainties_and_bad_names():
    model = sim.ema.model(uncertainty_names=["tension_decay", "scenario.un_unity"], **TINY)
    assert [u.name for u in model.uncertainties] == ["tension_decay", "scenario__un_unity"]
    with pytest.raises(SimInputError, match="is a lever"):
        sim.ema.model(uncertainty_names=["policy.lag_weeks"])
    with pytest.raises(SimInputError, match="must be a policy"):
        sim.ema.model(lever_names=["tension_decay"])
    with pytest.raises(SimInputError, match="replicates: got 0"):
        sim.ema.model(replicates=0)


def test_model_function_runs_the_paired_ensemble():
    model = sim.ema.model(uncertainty_names=["tension_decay", "scenario.un_unity"], **TINY)
    world = {"tension_decay": 0.03, "scenario__un_unity": 0.5}
    levers = {"policy__instrument": "envoy", "policy__lag_weeks": 2, "policy__intensity": 1.0}
    got = model.function(**world, **levers, seed=3)
    out = simulate(
        sim.load_scenario("default").replace(un_unity=0.5),
        [Policy("envoy", lag_weeks=2), Policy("none")],
        replicates=TINY["replicates"],
        horizon_weeks=TINY["horizon_weeks"],
        seed=sim.ema.world_seed(3, world),
        params={"tension_decay": 0.03},
    )
    assert got["p_violence"] == out["violence"][0].mean()
    assert got["p_violence_none"] == out["violence"][1].mean()
    assert got["risk_difference"] == pytest.approx(got["p_violence"] - got["p_violence_none"])
    assert got["mean_cost"] == out["cost"][0].mean() > 0
    none = model.function(**world, **{**levers, "policy__instrument": "none"}, seed=3)
    assert none["p_violence"] == none["p_violence_none"] == got["p_violence_none"]  # paired
    assert np.isnan(none["rrr_after_arrival"]) and none["mean_cost"] == 0


def test_world_seed_depends_on_the_world_and_the_seed_only():
    a = sim.ema.world_seed(0, {"x": 0.25, "y": 3})
    assert a == sim.ema.world_seed(0, {"y": np.int64(3), "x": np.float64(0.25)})
    assert a != sim.ema.world_seed(1, {"x": 0.25, "y": 3})
    assert a != sim.ema.world_seed(0, {"x": 0.2500001, "y": 3})
    assert 0 <= a < 2**63


def test_policy_samples_name_the_policies():
    samples = sim.ema.policy_samples(POLICIES)
    assert [s.name for s in samples] == ["none", "envoy@2"]
    assert samples[1]["policy__lag_weeks"] == 2
    with pytest.raises(SimInputError, match="only instrument, lag_weeks, intensity"):
        sim.ema.policy_samples([{"instrument": "envoy", "withdraw_when_calm": True}])


USER_SCRIPT = """
import sys
import pandas as pd
from ema_workbench import MultiprocessingEvaluator, perform_experiments
import sim.ema

if __name__ == "__main__":
    model = sim.ema.model(replicates=24, horizon_weeks=52, seed=3, threads=1,
                          uncertainty_names=["tension_decay", "escalation_rate",
                                             "multiplier.instruments.envoy", "scenario.un_unity"])
    policies = sim.ema.policy_samples(["none", {"instrument": "envoy", "lag_weeks": 2}])
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = perform_experiments(
            model, scenarios=3, policies=policies, evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": 11})
    frame = pd.concat([experiments.drop(columns=["model"]), pd.DataFrame(outcomes)], axis=1)
    frame.to_csv(sys.argv[1], index=False)
"""


def test_an_outside_script_in_parallel_equals_sequential_evaluation(tmp_path):
    script = tmp_path / "user_study.py"
    script.write_text(textwrap.dedent(USER_SCRIPT))
    result_file = tmp_path / "parallel.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [sys.executable, str(script), str(result_file)], cwd=tmp_path, env=env, check=True,
        timeout=600,
    )  # fmt: skip
    parallel = pd.read_csv(result_file)

    from ema_workbench import SequentialEvaluator, perform_experiments

    model = sim.ema.model(
        uncertainty_names=["tension_decay", "escalation_rate", "multiplier.instruments.envoy",
                           "scenario.un_unity"], **TINY,
    )  # fmt: skip
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(
            model, scenarios=3, policies=sim.ema.policy_samples(POLICIES), evaluator=evaluator,
            uncertainty_sampling_kwargs={"rng": 11},
        )  # fmt: skip
    assert len(parallel) == len(experiments) == 6
    key = ["scenario", "policy"]
    parallel = parallel.sort_values(key).reset_index(drop=True)
    sequential = pd.concat([experiments, pd.DataFrame(outcomes)], axis=1)
    sequential = sequential.sort_values(key).reset_index(drop=True)
    for name in sim.ema.OUTCOMES:
        np.testing.assert_array_equal(parallel[name], sequential[name], err_msg=name)
    # every policy of a world ran on the same replicates: the same no-action outcomes
    assert (parallel.groupby("scenario")["p_violence_none"].nunique() == 1).all()


def test_the_documented_example_runs_as_a_script(tmp_path):
    import re

    text = (REPO / "docs" / "research_tools.md").read_text()
    code = re.search(r"<!-- example: ema -->\n```python\n(.*?)```", text, re.S).group(1)
    tiny = code.replace("replicates=200", "replicates=10").replace("scenarios=100", "scenarios=2")
    assert tiny != code
    tiny += "\n    assert len(experiments) == 6 and len(outcomes['p_violence']) == 6\n"
    script = tmp_path / "example.py"
    script.write_text(tiny)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, check=True, timeout=600)
