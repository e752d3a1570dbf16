"""Hydra configuration: the schemas of the config groups under ``conf/`` and ``build_run``.

Every config group is backed by a dataclass registered in Hydra's ConfigStore, so an unknown
key or a value of the wrong type fails while Hydra composes the config, naming the key. Ranges
(probabilities in [0, 1], lags >= 0, ...) are checked by :func:`build_run` before anything runs,
raising :class:`~sim.errors.SimInputError` whose one-line message names the config key.

Groups (``conf/<group>/<option>.yaml``):

* ``scenario``: ``name`` of a built-in scenario or ``file``, the path of a scenario YAML file;
  the ``generated`` option also holds the generator keys (taken from ``network`` by default).
* ``network``: generator settings for generated scenarios.
* ``early_warning``: the UN's warning quality and threshold, the observation noise and the
  persistence of warnings; ``null`` keeps the scenario's or the model's value.
* ``policy``: the preventive action (fields of :class:`sim.Policy`).
* ``model``: overrides of :class:`sim.Parameters` fields (``null`` keeps the default).
* ``run``: horizon, replicates, seed, backend, threads, chunk size.
* ``output``: which replicate's weekly time series is saved, whether to plot it.

Example:
    >>> from hydra import compose, initialize_config_dir
    >>> with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
    ...     cfg = compose("config", overrides=["policy=envoy", "policy.lag_weeks=4"])
    >>> spec = build_run(cfg)
    >>> spec.policy.label, spec.baseline.label, spec.replicates
    ('envoy@4', 'none', 1000)
"""

from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from .errors import SimInputError, check_range
from .params import Parameters
from .policy import Policy, compile_policy
from .scenario import Scenario

#: The ``conf/`` directory of the source tree (the ``config_path`` of ``python -m sim``).
CONFIG_DIR = Path(__file__).resolve().parent.parent / "conf"
#: Keys of the scenario generator (``sim.scenario.generated_scenario``).
GENERATOR_KEYS = ("topology", "n_parties", "mean_degree", "n_regions", "rivalry_share", "seed")


# ---------------------------------------------------------------- schemas
@dataclass
class ScenarioConf:
    """A built-in scenario by ``name``, or a scenario YAML file by ``file`` (which wins)."""

    name: str = "default"
    file: str | None = None


@dataclass
class GeneratedScenarioConf:
    """A seeded random network; ``null`` generator keys take the generator's defaults."""

    name: str = "generated"
    topology: str | None = None
    n_parties: int | None = None
    mean_degree: float | None = None
    n_regions: int | None = None
    rivalry_share: float | None = None
    seed: int | None = None


@dataclass
class NetworkConf:
    """Generator settings used by ``scenario=generated`` (ignored by the other scenarios);
    ``null`` keeps the value of the ``generator`` block of ``scenarios/generated.yaml``."""

    topology: str | None = None  # sbm | small_world | scale_free
    n_parties: int | None = None
    mean_degree: float | None = None
    n_regions: int | None = None
    rivalry_share: float | None = None
    seed: int | None = None


@dataclass
class EarlyWarningConf:
    """Early-warning settings; ``null`` keeps the scenario's (UN) or the model's value."""

    un_quality: float | None = None  # scenario.un_warning_quality, in [0, 1]
    un_threshold: float | None = None  # scenario.un_warning_threshold, in [0, 1]
    observation_noise: float | None = None  # Parameters.observation_noise, >= 0
    persistence_weeks: int | None = None  # Parameters.warning_persistence_weeks, in [1, 52]


@dataclass
class PolicyConf:
    """The preventive action (see :class:`sim.Policy`)."""

    instrument: str = "none"
    lag_weeks: int = 0
    intensity: float = 1.0
    duration_weeks: int | None = None
    sponsor: str = "un"
    mediator: str | None = None
    withdraw_when_calm: bool = False
    unity: float | None = None


_PY_TYPES = {"float": float, "int": int, "bool": bool, "str": str}
#: Overrides of :class:`sim.Parameters`: one optional field per parameter, ``None`` by default.
ModelConf = dataclasses.make_dataclass(
    "ModelConf",
    [
        (f.name, _PY_TYPES[f.type] | None, field(default=None))
        for f in dataclasses.fields(Parameters)
    ],
)
ModelConf.__doc__ = "Overrides of sim.Parameters fields; null keeps the model's default."


class Backend(enum.Enum):
    numba = "numba"
    reference = "reference"


@dataclass
class RunConf:
    horizon_weeks: int = 104
    replicates: int = 1000
    seed: int = 0
    backend: Backend = Backend.numba
    threads: int | None = None  # numba threads; null uses all cores
    chunk: int = 250  # replicates per run_ensemble call (progress granularity)


@dataclass
class OutputConf:
    timeseries_replicate: int = 0  # the replicate whose weekly series is saved
    plot: bool = True  # write timeseries.png


@dataclass
class Config:
    """The composed config (``conf/config.yaml``)."""

    scenario: Any = MISSING
    network: NetworkConf = field(default_factory=NetworkConf)
    early_warning: EarlyWarningConf = field(default_factory=EarlyWarningConf)
    policy: PolicyConf = field(default_factory=PolicyConf)
    model: Any = field(default_factory=ModelConf)
    run: RunConf = field(default_factory=RunConf)
    output: OutputConf = field(default_factory=OutputConf)


def register_configs() -> None:
    """Register the schemas in Hydra's ConfigStore (idempotent; done on import)."""
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    cs.store(group="scenario", name="base_scenario", node=ScenarioConf)
    cs.store(group="scenario", name="base_generated", node=GeneratedScenarioConf)
    cs.store(group="network", name="base_network", node=NetworkConf)
    cs.store(group="early_warning", name="base_early_warning", node=EarlyWarningConf)
    cs.store(group="policy", name="base_policy", node=PolicyConf)
    cs.store(group="model", name="base_model", node=ModelConf)
    cs.store(group="run", name="base_run", node=RunConf)
    cs.store(group="output", name="base_output", node=OutputConf)


register_configs()


# ---------------------------------------------------------------- the resolved run
@dataclass(frozen=True)
class RunSpec:
    """Everything a run needs, validated: what :func:`build_run` returns."""

    scenario: Scenario
    policy: Policy
    baseline: Policy
    params: Parameters
    horizon_weeks: int
    replicates: int
    seed: int
    threads: int | None
    backend: str
    chunk: int
    timeseries_replicate: int
    scenario_source: str  # the scenario's name or the path of its file

    @property
    def policies(self) -> tuple[Policy, Policy]:
        """``(policy, baseline)``: the order of the arms in a run."""
        return (self.policy, self.baseline)


def build_run(cfg: DictConfig | dict) -> RunSpec:
    """Validate a composed config and resolve it into a :class:`RunSpec`.

    Raises :class:`SimInputError` (message ``<config key>: got <value>; <allowed>``) for any
    value out of range, an unknown scenario, a broken scenario file, an unknown sponsor or
    mediator, before any simulation runs.
    """
    c = _container(cfg)
    _check_keys(c)
    run = c.get("run") or {}
    out = c.get("output") or {}
    horizon = _int(run, "run.horizon_weeks", 104, 1, 100_000)
    replicates = _int(run, "run.replicates", 1000, 1, 100_000_000)
    seed = _int(run, "run.seed", 0, 0, 2**63 - 1)
    chunk = _int(run, "run.chunk", 250, 1, 100_000_000)
    backend = run.get("backend", "numba")
    backend = backend.value if isinstance(backend, Backend) else str(backend)
    if backend not in Backend.__members__:
        raise SimInputError(
            "run.backend", backend, f"must be one of {', '.join(Backend.__members__)}"
        )
    threads = run.get("threads")
    if threads is not None:
        import numba

        check_range("run.threads", threads, 1, numba.config.NUMBA_NUM_THREADS, integer=True)
    ts_rep = _int(out, "output.timeseries_replicate", 0, 0, replicates - 1)

    params = build_params(c.get("model") or {}, c.get("early_warning") or {})
    scenario, source = build_scenario(
        c.get("scenario") or {}, c.get("early_warning") or {}, raw=_raw_scenario(cfg)
    )
    policy = build_policy(c.get("policy") or {})
    for p in (policy, Policy()):
        compile_policy(p, scenario, params)  # resolves sponsor and mediator against the scenario
    return RunSpec(
        scenario=scenario,
        policy=policy,
        baseline=Policy(),
        params=params,
        horizon_weeks=horizon,
        replicates=replicates,
        seed=seed,
        threads=threads,
        backend=backend,
        chunk=chunk,
        timeseries_replicate=ts_rep,
        scenario_source=source,
    )


def build_params(model: dict, early_warning: dict | None = None) -> Parameters:
    """Parameters with the non-null ``model`` overrides and the early-warning settings."""
    early_warning = early_warning or {}
    names = {f.name for f in dataclasses.fields(Parameters)}
    unknown = sorted(set(model) - names)
    if unknown:
        raise SimInputError("model", unknown, "unknown parameters; see sim.Parameters")
    kwargs = {k: v for k, v in model.items() if v is not None}
    for key, param, low, high, integer in (
        ("observation_noise", "observation_noise", 0.0, 100.0, False),
        ("persistence_weeks", "warning_persistence_weeks", 1, 52, True),
    ):
        value = early_warning.get(key)
        if value is None:
            continue
        check_range(f"early_warning.{key}", value, low, high, integer=integer)
        if kwargs.get(param) is not None and kwargs[param] != value:
            raise SimInputError(
                f"early_warning.{key}",
                value,
                f"conflicts with model.{param}={kwargs[param]!r}; set only one",
            )
        kwargs[param] = value
    try:
        return Parameters(**kwargs)
    except SimInputError as e:
        raise _renamed(e, {"params.": "model."}) from None


def build_policy(policy: dict) -> Policy:
    """The :class:`Policy` of a ``policy`` config section (errors name ``policy.<key>``)."""
    d = dict(policy)
    if d.get("mediator") is not None and d.get("instrument") != "envoy":
        raise SimInputError(
            "policy.mediator",
            d["mediator"],
            "only an envoy policy deploys a mediator; use policy=envoy or null",
        )
    if not isinstance(d.get("instrument", "none"), str):
        raise SimInputError("policy.instrument", d.get("instrument"), "must be an instrument name")
    from .policy import as_policy

    return as_policy(d)


def build_scenario(
    scenario: dict, early_warning: dict | None = None, raw: dict | None = None
) -> tuple[Scenario, str]:
    """Load the scenario of a ``scenario`` config section and apply the UN early-warning
    overrides. Returns the scenario and its source (name or file path)."""
    early_warning = early_warning or {}
    raw = raw or {}
    for key in ("un_quality", "un_threshold"):
        if early_warning.get(key) is not None:
            check_range(f"early_warning.{key}", early_warning[key], 0.0, 1.0)
    path = scenario.get("file")
    name = scenario.get("name")
    if path is not None:
        if not isinstance(path, str) or not path.strip():
            raise SimInputError("scenario.file", path, "must be the path of a scenario YAML file")
        field_name, target = "scenario.file", str(Path(path).expanduser())
        if not Path(target).is_file():
            raise SimInputError(field_name, path, "no such file")
    else:
        if not isinstance(name, str) or not name:
            raise SimInputError("scenario.name", name, "must be a scenario name")
        field_name, target = "scenario.name", name
    overrides = {k: scenario[k] for k in GENERATOR_KEYS if scenario.get(k) is not None}
    import yaml

    from .scenarios_io import load_scenario

    try:
        loaded = load_scenario(target, **overrides)
    except SimInputError as e:
        raise _scenario_error(e, field_name, raw) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
        # the loader reports bad files itself; this is a backstop naming the key
        raise SimInputError(field_name, target, _one_line(e)) from None
    changes = {}
    if early_warning.get("un_quality") is not None:
        changes["un_warning_quality"] = float(early_warning["un_quality"])
    if early_warning.get("un_threshold") is not None:
        changes["un_warning_threshold"] = float(early_warning["un_threshold"])
    if changes:
        loaded = loaded.replace(**changes)
    return loaded, target


# ---------------------------------------------------------------- helpers
def _fields(*schemas) -> list[str]:
    names: list[str] = []
    for schema in schemas:
        names += [f.name for f in dataclasses.fields(schema) if f.name not in names]
    return names


_SECTIONS = {
    "scenario": _fields(ScenarioConf, GeneratedScenarioConf),
    "network": _fields(NetworkConf),
    "early_warning": _fields(EarlyWarningConf),
    "policy": _fields(PolicyConf),
    "model": _fields(ModelConf),
    "run": _fields(RunConf),
    "output": _fields(OutputConf),
}


def _check_keys(c: dict) -> None:
    """Keys added with ``+key=value`` pass Hydra's schema checks; refuse them here."""
    unknown = sorted(set(c) - set(_SECTIONS) - {"hydra"})
    if unknown:
        raise SimInputError("config", unknown, f"unknown keys; allowed: {', '.join(_SECTIONS)}")
    for name, allowed in _SECTIONS.items():
        section = c.get(name)
        if section is None:
            continue
        if not isinstance(section, dict):
            raise SimInputError(name, section, f"must be a mapping with keys {', '.join(allowed)}")
        unknown = sorted(set(section) - set(allowed))
        if unknown:
            raise SimInputError(name, unknown, f"unknown keys; allowed: {', '.join(allowed)}")


def _container(cfg: DictConfig | dict) -> dict:
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    return dict(cfg)


def _raw_scenario(cfg: DictConfig | dict) -> dict:
    """The scenario section with interpolations left as written (to name error sources)."""
    if isinstance(cfg, DictConfig) and "scenario" in cfg:
        node = OmegaConf.to_container(cfg.scenario, resolve=False)
        return node if isinstance(node, dict) else {}
    return {}


def _source_key(raw: Any, default: str) -> str:
    if isinstance(raw, str):
        m = re.fullmatch(r"\$\{([\w.]+)\}", raw.strip())
        if m:
            return m.group(1)
    return default


def _int(section: dict, key: str, default: int, low: int, high: int) -> int:
    value = section.get(key.split(".", 1)[1], default)
    check_range(key, value, low, high, integer=True)
    return int(value)


def _scenario_error(e: SimInputError, field_name: str, raw: dict) -> SimInputError:
    """A loader error named by the config key it came from (``scenario.name``, ``network.*``)."""
    if e.field == "scenario":
        return SimInputError(field_name, e.value, e.allowed)
    m = re.search(r"(?:^generated|overrides)\.(\w+)$", e.field)
    if m and m.group(1) in GENERATOR_KEYS:
        key = m.group(1)
        return SimInputError(_source_key(raw.get(key), f"scenario.{key}"), e.value, e.allowed)
    return e


def _renamed(e: SimInputError, prefixes: dict[str, str]) -> SimInputError:
    """The same error with its field renamed (longest matching prefix or exact key)."""
    for old in sorted(prefixes, key=len, reverse=True):
        if e.field == old or e.field.startswith(old) and old.endswith("."):
            return SimInputError(
                prefixes[old] + e.field[len(old) :] if old.endswith(".") else prefixes[old],
                e.value,
                e.allowed,
            )
    return e


def _one_line(e: BaseException) -> str:
    """The message of an exception on one line (key errors say which key is missing)."""
    text = " ".join(str(e).split())
    if isinstance(e, KeyError) or not text:
        text = f"{type(e).__name__}: {text}".rstrip(": ")
    return text
