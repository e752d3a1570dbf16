"""The Hydra config tree (conf/) and build_run: every group option composes and resolves."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf import OmegaConf

from sim import INSTRUMENTS, Parameters, Policy, SimInputError
from sim.config import (
    CONFIG_DIR,
    GENERATOR_DEFAULTS,
    GENERATOR_KEYS,
    NetworkConf,
    RunSpec,
    build_params,
    build_run,
    editable_schema,
)

ROOT = Path(__file__).resolve().parent.parent
SCENARIO_NAMES = (
    "default",
    "two_party",
    "contagion_ring",
    "election_crisis",
    "kenya_2008",
    "guinea_2009",
    "kyrgyzstan_2010",
    "great_lakes_2008",
    "sudan_2011",
    "generated",
)
SMALL_NET = ["network.n_parties=60", "network.n_regions=3"]


def options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


def make(*overrides: str, hydra_cfg: bool = False):
    with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=hydra_cfg)


def test_config_dir_is_the_repository_conf():
    assert CONFIG_DIR == ROOT / "conf"
    assert (CONFIG_DIR / "config.yaml").is_file()


def test_defaults_compose_and_build():
    cfg = make()
    assert cfg.scenario.name == "default"
    assert cfg.policy.instrument == "envoy"
    assert cfg.run.horizon_weeks == 104 and cfg.run.replicates == 1000 and cfg.run.seed == 0
    assert cfg.run.backend.name == "numba" and cfg.run.threads is None and cfg.run.chunk == 250
    assert cfg.output.timeseries_replicate == 0 and cfg.output.plot is True
    assert cfg.model.tension_decay == 0.04 and cfg.model.instruments.envoy.deploy_weeks == 1
    assert cfg.early_warning == {"un_warning_quality": None, "un_warning_threshold": None}
    spec = build_run(cfg)
    assert isinstance(spec, RunSpec)
    assert spec.policy == Policy("envoy")
    assert spec.baseline == Policy("none")
    assert spec.policies == (spec.policy, spec.baseline)
    assert spec.params == Parameters()
    assert (spec.horizon_weeks, spec.replicates, spec.seed) == (104, 1000, 0)
    assert spec.threads is None and spec.backend == "numba" and spec.chunk == 250
    assert spec.scenario.name == "default"


def test_every_group_has_its_options():
    assert options("policy") == sorted(INSTRUMENTS)
    assert options("scenario") == sorted(SCENARIO_NAMES)
    assert set(SCENARIO_NAMES) == _available_scenarios()
    assert options("early_warning") == ["clean_late", "default", "noisy_early"]
    assert "default" in options("network")
    assert options("model") == ["default"] and options("run") == ["default"]
    assert options("output") == ["default"]


@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_policy_options(instrument):
    spec = build_run(make(f"policy={instrument}", "policy.lag_weeks=3"))
    assert spec.policy == Policy(instrument, lag_weeks=3)
    assert spec.baseline == Policy("none")


def test_policy_keys_reach_the_policy():
    spec = build_run(
        make(
            "policy=envoy",
            "policy.lag_weeks=6",
            "policy.intensity=1.5",
            "policy.duration_weeks=20",
            "policy.sponsor=regional_org",
            "policy.mediator=regional_mediator",
            "policy.withdraw_when_calm=true",
            "policy.unity=0.4",
        )
    )
    assert spec.policy == Policy(
        "envoy",
        lag_weeks=6,
        intensity=1.5,
        duration_weeks=20,
        sponsor="regional_org",
        mediator="regional_mediator",
        withdraw_when_calm=True,
        unity=0.4,
    )


def _available_scenarios() -> set[str]:
    from sim.scenarios_io import list_scenarios

    return set(list_scenarios())


@pytest.mark.parametrize("name", [n for n in SCENARIO_NAMES if n != "generated"])
def test_scenario_options(name):
    cfg = make(f"scenario={name}")
    assert cfg.scenario.name == name and cfg.scenario.file is None
    spec = build_run(cfg)
    from sim.scenarios_io import load_scenario

    expected = load_scenario(name)
    assert spec.scenario_source == name
    assert spec.scenario.name == expected.name
    assert spec.scenario.n_parties == expected.n_parties


def test_generated_scenario_takes_the_network_group():
    cfg = make("scenario=generated")
    assert {k: cfg.scenario[k] for k in GENERATOR_KEYS} == {
        k: cfg.network[k] for k in GENERATOR_KEYS
    }
    raw = OmegaConf.to_container(cfg.scenario, resolve=False)
    assert raw["n_parties"] == "${network.n_parties}"
    # null network keys keep the generator block of scenarios/generated.yaml
    from sim.scenarios_io import load_scenario

    assert all(cfg.network[k] is None for k in GENERATOR_KEYS)
    spec = build_run(cfg)
    expected = load_scenario("generated")
    assert spec.scenario.n_parties == expected.n_parties
    assert (spec.scenario.src == expected.src).all()
    assert (spec.scenario.relation_kind == expected.relation_kind).all()
    spec = build_run(make("scenario=generated", *SMALL_NET, "network.seed=5"))
    assert spec.scenario.n_parties == 60
    again = build_run(make("scenario=generated", *SMALL_NET, "network.seed=5"))
    assert (again.scenario.src == spec.scenario.src).all()
    direct = build_run(make("scenario=generated", *SMALL_NET, "scenario.n_parties=80"))
    assert direct.scenario.n_parties == 80


@pytest.mark.parametrize("option", options("network"))
def test_network_options(option):
    cfg = make("scenario=generated", f"network={option}")
    assert cfg.scenario.topology == cfg.network.topology
    spec = build_run(make("scenario=generated", f"network={option}", *SMALL_NET))
    assert spec.scenario.n_parties == 60


def test_generator_errors_name_the_network_key():
    with pytest.raises(SimInputError, match=r"^network\.n_parties: got 1;"):
        build_run(make("scenario=generated", "network.n_parties=1"))
    with pytest.raises(SimInputError, match=r"^scenario\.rivalry_share: got 2\.0;"):
        build_run(make("scenario=generated", *SMALL_NET, "scenario.rivalry_share=2"))


def test_generator_keys_are_refused_for_named_scenarios():
    with pytest.raises(ConfigCompositionException):
        make("scenario=two_party", "scenario.n_parties=5")


@pytest.mark.parametrize("option", options("early_warning"))
def test_early_warning_options(option):
    cfg = make(f"early_warning={option}")
    spec = build_run(cfg)
    base = build_run(make())
    ew = cfg.early_warning
    if option == "default":
        assert all(v is None for v in ew.values())
        assert spec.params == Parameters()
        assert spec.scenario.un_warning_quality == base.scenario.un_warning_quality
        assert spec.scenario.un_warning_threshold == base.scenario.un_warning_threshold
    else:
        # the keys are the Scenario attributes they set; the rest are model parameters
        assert spec.scenario.un_warning_quality == ew.un_warning_quality
        assert spec.scenario.un_warning_threshold == ew.un_warning_threshold
        assert spec.params == Parameters(
            observation_noise=cfg.model.observation_noise,
            warning_persistence_weeks=cfg.model.warning_persistence_weeks,
        )
        assert spec.params != Parameters()
    assert spec.scenario.n_parties == base.scenario.n_parties


def test_noisy_early_warns_earlier_and_looser_than_clean_late():
    noisy, clean = make("early_warning=noisy_early"), make("early_warning=clean_late")
    assert noisy.early_warning.un_warning_threshold < clean.early_warning.un_warning_threshold
    assert noisy.model.warning_persistence_weeks < clean.model.warning_persistence_weeks
    assert noisy.model.observation_noise > clean.model.observation_noise


def test_command_line_model_keys_win_over_an_early_warning_option():
    cfg = make("early_warning=clean_late", "model.observation_noise=0.3")
    assert build_run(cfg).params.observation_noise == 0.3
    assert build_run(cfg).params.warning_persistence_weeks == 4


def test_early_warning_keys_are_scenario_attributes():
    spec = build_run(
        make("early_warning.un_warning_quality=0.35", "early_warning.un_warning_threshold=0.45")
    )
    assert spec.scenario.un_warning_quality == 0.35
    assert spec.scenario.un_warning_threshold == 0.45
    for key in make().early_warning:
        assert hasattr(spec.scenario, key)


def test_model_overrides_reach_parameters():
    spec = build_run(
        make(
            "model.tension_drift=0.05", "model.warning_persistence_weeks=3", "model.hazard_slope=12"
        )
    )
    assert spec.params == dataclasses.replace(
        Parameters(), tension_drift=0.05, warning_persistence_weeks=3, hazard_slope=12.0
    )


def test_nested_model_overrides_reach_parameters():
    cfg = make(
        "model.tension_decay=0.05",
        "model.instruments.envoy.deploy_weeks=4",
        "model.stage_effect.envoy.war=0.5",
    )
    assert cfg.model.instruments.envoy.deploy_weeks == 4
    expected = Parameters().replace(
        {
            "tension_decay": 0.05,
            "instruments.envoy.deploy_weeks": 4,
            "stage_effect.envoy.war": 0.5,
        }
    )
    assert build_run(cfg).params == expected


def test_model_is_parameters():
    """The model group is sim.Parameters itself: every field, nested tables, the defaults."""
    cfg = make()
    assert list(cfg.model) == [f.name for f in dataclasses.fields(Parameters)]
    assert OmegaConf.get_type(cfg.model) is Parameters
    flat = OmegaConf.to_container(cfg.model)
    assert build_params(cfg.model) == Parameters() == build_params(flat)
    leaves = {k: v for k, v in _leaves(flat)}
    assert leaves == Parameters().flat()


def _leaves(d: dict, prefix: str = ""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from _leaves(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def test_build_params_takes_dotted_or_nested_overrides():
    dotted = build_params({"instruments.envoy.deploy_weeks": 4})
    nested = build_params({"instruments": {"envoy": {"deploy_weeks": 4}}})
    assert dotted == nested and dotted.instruments.envoy.deploy_weeks == 4
    assert build_params(None) == build_params({}) == Parameters()
    with pytest.raises(SimInputError, match=r"^model\.instruments\.envoi: "):
        build_params({"instruments.envoi.deploy_weeks": 4})


def test_editable_schema_of_a_frozen_dataclass():
    node = editable_schema(Parameters)
    assert not OmegaConf.is_readonly(node.instruments.envoy)
    node.instruments.envoy.deploy_weeks = 9
    assert node.instruments.envoy.deploy_weeks == 9
    assert OmegaConf.is_readonly(OmegaConf.structured(Parameters).instruments.envoy)


def test_policy_is_the_policy_dataclass():
    """The policy group is sim.Policy: its fields and defaults; the options set the instrument."""
    cfg = make("policy=none")
    assert OmegaConf.to_container(cfg.policy) == dataclasses.asdict(Policy())
    assert OmegaConf.get_type(cfg.policy) is Policy
    for instrument in INSTRUMENTS:
        text = (CONFIG_DIR / "policy" / f"{instrument}.yaml").read_text()
        body = yaml.safe_load(text)
        assert body == {"defaults": ["base_policy", "_self_"], "instrument": instrument}


def test_model_default_is_only_the_defaults_list():
    body = yaml.safe_load((CONFIG_DIR / "model" / "default.yaml").read_text())
    assert body == {"defaults": ["base_model", "_self_"]}


def test_network_keys_are_the_generator_arguments():
    import inspect

    from sim.networks import generated_scenario

    params = inspect.signature(generated_scenario).parameters
    assert set(GENERATOR_KEYS) == set(params) - {"name"}
    assert GENERATOR_DEFAULTS == {k: params[k].default for k in GENERATOR_KEYS}
    assert [f.name for f in dataclasses.fields(NetworkConf)] == list(GENERATOR_KEYS)
    assert list(make().network) == list(GENERATOR_KEYS)
    assert set(make("scenario=generated").scenario) == {"name", *GENERATOR_KEYS}


def test_run_and_output_keys():
    spec = build_run(
        make(
            "run.horizon_weeks=52",
            "run.replicates=40",
            "run.seed=7",
            "run.backend=reference",
            "run.threads=1",
            "run.chunk=9",
            "output.timeseries_replicate=39",
        )
    )
    assert (spec.horizon_weeks, spec.replicates, spec.seed) == (52, 40, 7)
    assert (spec.backend, spec.threads, spec.chunk) == ("reference", 1, 9)
    assert spec.timeseries_replicate == 39


def test_scenario_file_key(tmp_path):
    from sim.scenarios_io import SCENARIO_DIR

    src = SCENARIO_DIR / "two_party.yaml"
    path = tmp_path / "mine.yaml"
    path.write_text(src.read_text())
    spec = build_run(make(f"scenario.file={path}"))
    assert spec.scenario_source == str(path)
    assert spec.scenario.n_parties == build_run(make("scenario=two_party")).scenario.n_parties


@pytest.mark.parametrize("option", ["basic", "joblib", "submitit_local", "slurm"])
def test_launcher_presets_compose(option):
    cfg = make(f"hydra/launcher={option}", hydra_cfg=True)
    launcher = cfg.hydra.launcher
    target = {
        "basic": "BasicLauncher",
        "joblib": "JoblibLauncher",
        "submitit_local": "LocalLauncher",
        "slurm": "SlurmLauncher",
    }[option]
    assert launcher._target_.endswith(target)
    if option == "slurm":
        for key in (
            "partition",
            "account",
            "timeout_min",
            "cpus_per_task",
            "mem_gb",
            "array_parallelism",
            "setup",
        ):
            assert key in launcher
        setup = OmegaConf.to_container(launcher, resolve=True)["setup"]
        assert any(
            line.startswith("export NUMBA_CACHE_DIR=") and "${" not in line for line in setup
        )
        assert "$SLURM_CPUS_PER_TASK" in " ".join(setup)


def test_default_launcher_and_run_dir():
    cfg = make(hydra_cfg=True)
    assert cfg.hydra.launcher._target_.endswith("BasicLauncher")
    assert cfg.hydra.job.chdir is False


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        (["policy=sanction"], MissingConfigException),
        (["policy.lagg=3"], ConfigCompositionException),
        (["run.replicates=abc"], ConfigCompositionException),
        (["run.backend=cuda"], ConfigCompositionException),
        (["early_warning.un_warning_quality=high"], ConfigCompositionException),
        (["early_warning.un_quality=0.5"], ConfigCompositionException),
        (["early_warning.persistence_weeks=2"], ConfigCompositionException),
        (["model.tension_drif=0.1"], ConfigCompositionException),
        (["model.instruments.envoi.deploy_weeks=1"], ConfigCompositionException),
        (["model.instruments.envoy.deploy_weeks=abc"], ConfigCompositionException),
        (["model.stage_effect.envoy.wars=0.5"], ConfigCompositionException),
        (["policy.instrumentt=envoy"], ConfigCompositionException),
        (["output.plot=maybe"], ConfigCompositionException),
        (["hydra/launcher=slurm", "hydra.launcher.partitio=cpu"], ConfigCompositionException),
    ],
)
def test_schema_errors_at_composition(overrides, error):
    with pytest.raises(error):
        make(*overrides, hydra_cfg=True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (["policy.lag_weeks=-1"], "policy.lag_weeks"),
        (["policy.intensity=4"], "policy.intensity"),
        (["policy.unity=1.5"], "policy.unity"),
        (["policy.sponsor=nato"], "policy.sponsor"),
        (["policy.mediator=nobody"], "policy.mediator"),
        (["policy=sanctions", "policy.mediator=un_envoy"], "policy.mediator"),
        (["policy.instrument=sanction"], "policy.instrument"),
        (["run.replicates=0"], "run.replicates"),
        (["run.horizon_weeks=0"], "run.horizon_weeks"),
        (["run.seed=-1"], "run.seed"),
        (["run.threads=0"], "run.threads"),
        (["run.chunk=0"], "run.chunk"),
        (["output.timeseries_replicate=1000"], "output.timeseries_replicate"),
        (["early_warning.un_warning_quality=1.5"], "early_warning.un_warning_quality"),
        (["early_warning.un_warning_threshold=nan"], "early_warning.un_warning_threshold"),
        (["model.warning_persistence_weeks=0"], "model.warning_persistence_weeks"),
        (["model.observation_noise=-0.1"], "model.observation_noise"),
        (["model.tension_drift=-1"], "model.tension_drift"),
        (["model.tension_decay=2"], "model.tension_decay"),
        (["model.instruments.envoy.deploy_weeks=-1"], "model.instruments.envoy.deploy_weeks"),
        (["model.stage_effect.envoy.war=3"], "model.stage_effect.envoy.war"),
        (["+model.no_such=1"], "model.no_such"),
        (["model.escalation_rate=inf"], "model.escalation_rate"),
        (["scenario.name=atlantis"], "scenario.name"),
        (["scenario.file=/nonexistent/x.yaml"], "scenario.file"),
        (["+run.foo=1"], "run"),
        (["+policy.foo=1"], "policy"),
    ],
)
def test_range_errors_name_the_key(overrides, field):
    cfg = make(*overrides)
    with pytest.raises(SimInputError) as info:
        build_run(cfg)
    assert info.value.field == field
    assert "\n" not in str(info.value)
