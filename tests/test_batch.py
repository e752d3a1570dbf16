"""mesa.batch_run over the parameter schema (sim/batch.py) and its example in
docs/research_tools.md."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim import schema
from sim.batch import SweepModel
from sim.ensemble import run_single
from sim.errors import SimInputError
from sim.model import MODEL_REPORTERS, PARTY_REPORTERS

DOC = Path(__file__).resolve().parent.parent / "docs" / "research_tools.md"


@pytest.fixture
def restore_start_method():
    method = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(method, force=True)  # batch_run forces "spawn"


def test_sweep_of_two_parameters_matches_the_fast_path(restore_start_method):
    grid = schema.batch_parameters(
        {"tension_decay": [0.02, 0.06], "policy.lag_weeks": [0, 6]},
        policy__instrument="envoy",
        horizon_weeks=30,
    )
    rows = mesa.batch_run(SweepModel, parameters=grid, rng=[4, 5], max_steps=100,
                          number_processes=1, display_progress=False)  # fmt: skip
    df = pd.DataFrame(rows)
    assert {*MODEL_REPORTERS, *PARTY_REPORTERS, "tension_decay", "policy__lag_weeks"} <= set(df)
    runs = df.drop_duplicates("RunId")
    assert len(runs) == 8 and set(runs["week"]) == {30}
    for _, run in runs.iterrows():
        seed = [4, 5][run["iteration"]]
        direct = run_single(
            policy={"instrument": "envoy", "lag_weeks": int(run["policy__lag_weeks"])},
            params={"tension_decay": run["tension_decay"]},
            seed=seed,
            horizon_weeks=30,
        ).outcomes
        for name in ("onset_week", "warning_week", "cost"):
            assert run[name] == direct[name], name
        assert run["arrival_week"] == direct["arrival_week"] or direct["arrival_week"] == -1
        assert run["violence"] == bool(direct["violence"])
    n_parties = df.groupby("RunId").size()
    assert (n_parties == 28).all()  # one row per party of the default scenario


def test_sweep_model_rejects_unknown_and_out_of_range_values():
    with pytest.raises(SimInputError, match="parameter: got 'tension_decy'"):
        SweepModel(tension_decy=0.1)
    with pytest.raises(SimInputError, match="scenario.un_unity: got 2"):
        SweepModel(scenario__un_unity=2)


def test_sweep_model_takes_the_mesa_model_params_as_they_are():
    params = schema.mesa_model_params(["tension_decay", "scenario.un_unity", "policy.instrument"])
    model = SweepModel(**{k: v["value"] for k, v in params.items()}, seed=0, horizon_weeks=4)
    assert model.params.tension_decay == params["tension_decay"]["value"]
    assert model.conflict_scenario.un_unity == params["scenario__un_unity"]["value"]


def test_the_documented_batch_run_example_runs(restore_start_method, capsys):
    text = DOC.read_text()
    code = re.search(r"<!-- example: batch_run -->\n```python\n(.*?)```", text, re.S).group(1)
    code = code.replace("rng=range(10)", "rng=range(2)")  # tiny size
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102
    table = namespace["table"]
    assert table.shape == (4, 2) and table.index.names == ["tension_decay", "policy__lag_weeks"]
    assert "stage" in capsys.readouterr().out


def test_every_declaration_has_a_slider_the_model_takes():
    from sim.params import Parameters

    names = [d.name for d in schema.declarations() if d.name != "policy.duration_weeks"]
    params = schema.mesa_model_params(names)
    assert len(params) == len(names)
    model = SweepModel(**{k: v["value"] for k, v in params.items()}, seed=0, horizon_weeks=2)
    assert model.params == Parameters() and model.policy.label == "none"
