"""Hydra configuration: the schemas of the config groups under ``conf/`` and :func:`build_run`.

Every schema is derived from the code it configures, so a key is declared once:

* ``model`` is :class:`sim.Parameters` itself (every parameter, the ``instruments`` table and
  the ``stage_effect`` table, with their defaults): ``model.tension_decay=0.05``,
  ``model.instruments.envoy.deploy_weeks=4``, ``model.stage_effect.envoy.war=0.5``.
* ``policy`` is :class:`sim.Policy` (its fields and defaults); ``conf/policy/<instrument>.yaml``
  only sets ``instrument``.
* ``network`` (and the generator keys of ``scenario=generated``) are the keyword arguments of
  the scenario generator (``sim.networks.GENERATOR_DEFAULTS``), ``null`` keeping the
  ``generator`` block of ``scenarios/generated.yaml``.
* ``early_warning`` holds the scenario's UN early-warning attributes under their own names
  (``un_warning_quality``, ``un_warning_threshold``); ``null`` keeps the scenario's value. Its
  options (``clean_late``, ``noisy_early``) are ``@package _global_`` configs that also set the
  model's ``observation_noise`` and ``warning_persistence_weeks``.
* ``run`` and ``output``: :class:`RunConf`, :class:`OutputConf`.

An unknown key or a value of the wrong type fails while Hydra composes the config, naming the
key. Ranges are checked by :func:`build_run` before anything runs (mostly by the classes above),
raising :class:`~sim.errors.SimInputError` whose one-line message names the config key.

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
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

from .errors import SimInputError, check_range
from .networks import GENERATOR_DEFAULTS, GENERATOR_KEYS
from .params import MAX_HORIZON_WEEKS, MAX_REPLICATES, Parameters, as_parameters
from .policy import Policy, as_policy, compile_policy
from .scenario import Scenario

#: The allowed range of each integer ``run.*`` key (also quoted by the CLI's type errors).
RUN_RANGES = {
    "run.replicates": (1, MAX_REPLICATES),
    "run.horizon_weeks": (1, MAX_HORIZON_WEEKS),
    "run.seed": (0, 2**63 - 1),
    "run.chunk": (1, MAX_REPLICATES),
}

#: The ``conf/`` directory of the source tree (the ``config_path`` of ``python -m sim``).
CONFIG_DIR = Path(__file__).resolve().parent.parent / "conf"


# ---------------------------------------------------------------- deriving schemas
def editable_schema(cls: type) -> DictConfig:
    """The OmegaConf schema of a dataclass (its fields, types and defaults, nested dataclasses
    included), open to overrides: OmegaConf makes the nodes of a frozen dataclass read-only."""
    node = OmegaConf.structured(cls)
    OmegaConf.set_readonly(node, False)
    stack = [node]
    while stack:
        parent = stack.pop()
        for key in parent:
            child = parent._get_node(key)
            if isinstance(child, DictConfig):
                OmegaConf.set_readonly(child, None)  # inherit: editable
                stack.append(child)
    return node


def field_types(cls: type) -> dict[str, Any]:
    """``{field: type}`` of a dataclass, annotations resolved (``int | None``, ...)."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def nullable_fields(types: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """Fields for :func:`dataclasses.make_dataclass`: each key optional, ``None`` by default
    (``null`` in a config: "keep the value it would otherwise have")."""
    return [(name, tp | None, field(default=None)) for name, tp in types.items()]


_GENERATOR_FIELDS = nullable_fields({k: type(v) for k, v in GENERATOR_DEFAULTS.items()})


# ---------------------------------------------------------------- schemas
@dataclass
class ScenarioConf:
    """A built-in scenario by ``name``, or a scenario YAML file by ``file`` (which wins)."""

    name: str = "default"
    file: str | None = None


#: Generator settings used by ``scenario=generated`` (ignored by the other scenarios).
NetworkConf = dataclasses.make_dataclass("NetworkConf", _GENERATOR_FIELDS)
NetworkConf.__doc__ = (
    "Generator settings for scenario=generated; null keeps the generator block of "
    "scenarios/generated.yaml."
)
#: ``scenario=generated``: a seeded random network; its generator keys default to ``network``.
GeneratedScenarioConf = dataclasses.make_dataclass(
    "GeneratedScenarioConf", [("name", str, field(default="generated")), *_GENERATOR_FIELDS]
)
GeneratedScenarioConf.__doc__ = "A seeded random network; null generator keys keep the defaults."


@dataclass
class EarlyWarningConf:
    """The UN's early warning: the scenario attributes of the same names, in [0, 1]; ``null``
    keeps the scenario's value. (The model's ``observation_noise`` and
    ``warning_persistence_weeks`` are ``model.*`` keys.)"""

    un_warning_quality: float | None = None  # 1 sees the indicator without noise
    un_warning_threshold: float | None = None  # indicator level counted as alarming


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
    chunk: int = 250  # replicates per ensemble call (progress granularity)


@dataclass
class OutputConf:
    timeseries_replicate: int = 0  # the replicate whose weekly series is saved
    plot: bool = True  # write timeseries.png
    overwrite: bool = False  # replace a run folder that already holds a result set


@dataclass
class Config:
    """The composed config (``conf/config.yaml``)."""

    scenario: Any = MISSING  # base_scenario or base_generated
    network: NetworkConf = field(default_factory=NetworkConf)
    early_warning: EarlyWarningConf = field(default_factory=EarlyWarningConf)
    policy: Any = MISSING  # base_policy: sim.Policy
    model: Any = MISSING  # base_model: sim.Parameters
    run: RunConf = field(default_factory=RunConf)
    output: OutputConf = field(default_factory=OutputConf)


def register_configs() -> None:
    """Register the schemas in Hydra's ConfigStore (idempotent; done on import)."""
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    cs.store(group="scenario", name="base_scenario", node=ScenarioConf)
    cs.store(group="scenario", name="base_generated", node=GeneratedScenarioConf)
    cs.store(group="network", name="base_network", node=NetworkConf)
    cs.store(group="policy", name="base_policy", node=editable_schema(Policy))
    cs.store(group="model", name="base_model", node=editable_schema(Parameters))
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


def build_run(cfg: DictConfig | Mapping) -> RunSpec:
    """Validate a composed config (or a mapping of sections) and resolve it into a
    :class:`RunSpec`; missing sections and keys take their defaults.

    Raises :class:`SimInputError` (message ``<config key>: got <value>; <allowed>``) for any
    value out of range, an unknown scenario, a broken scenario file, an unknown sponsor or
    mediator, before any simulation runs.
    """
    c = _container(cfg)
    _check_keys(c)
    _check_network_used(c.get("scenario") or {}, c.get("network") or {})
    settings = _run_settings(c.get("run") or {}, c.get("output") or {})
    params = build_params(c.get("model"))
    scenario, source = build_scenario(
        c.get("scenario") or {}, c.get("early_warning"), raw=_raw_scenario(cfg)
    )
    policy = build_policy(c.get("policy") or {})
    baseline = Policy()
    for p in (policy, baseline):
        compile_policy(p, scenario, params)  # resolves sponsor and mediator against the scenario
    return RunSpec(scenario, policy, baseline, params, scenario_source=source, **settings)


def _run_settings(run: Mapping, output: Mapping) -> dict[str, Any]:
    """The ``run`` and ``output`` sections, checked, as :class:`RunSpec` keywords."""
    run = {**dataclasses.asdict(RunConf()), **run}
    output = {**dataclasses.asdict(OutputConf()), **output}
    replicates = _int(run, "run.replicates", *RUN_RANGES["run.replicates"])
    return {
        "horizon_weeks": _int(run, "run.horizon_weeks", *RUN_RANGES["run.horizon_weeks"]),
        "replicates": replicates,
        "seed": _int(run, "run.seed", *RUN_RANGES["run.seed"]),
        "threads": _threads(run["threads"]),
        "backend": _backend(run["backend"]),
        "chunk": _int(run, "run.chunk", *RUN_RANGES["run.chunk"]),
        "timeseries_replicate": _int(output, "output.timeseries_replicate", 0, replicates - 1),
    }


def _backend(value: Any) -> str:
    name = value.value if isinstance(value, Backend) else str(value)
    if name not in Backend.__members__:
        raise SimInputError("run.backend", name, f"must be one of {', '.join(Backend.__members__)}")
    return name


def _threads(value: Any) -> int | None:
    if value is not None:
        import numba

        check_range("run.threads", value, 1, numba.config.NUMBA_NUM_THREADS, integer=True)
    return value


def build_params(model: DictConfig | Mapping | None) -> Parameters:
    """:class:`Parameters` of a ``model`` section: every field, or only the overrides (nested
    or dotted, e.g. ``{"instruments.envoy.deploy_weeks": 4}``); errors name ``model.<key>``."""
    if isinstance(model, DictConfig):
        model = OmegaConf.to_container(model, resolve=True)
    return as_parameters(model or {})


def build_policy(policy: Mapping) -> Policy:
    """The :class:`Policy` of a ``policy`` section (errors name ``policy.<key>``)."""
    d = dict(policy)
    if not isinstance(d.get("instrument", "none"), str):
        raise SimInputError("policy.instrument", d.get("instrument"), "must be an instrument name")
    if d.get("mediator") is not None and d.get("instrument") != "envoy":
        raise SimInputError(
            "policy.mediator",
            d["mediator"],
            "only an envoy policy deploys a mediator; use policy=envoy or null",
        )
    return as_policy(d)


def build_scenario(
    scenario: Mapping, early_warning: Mapping | None = None, raw: Mapping | None = None
) -> tuple[Scenario, str]:
    """Load the scenario of a ``scenario`` section and apply the ``early_warning`` section.
    Returns the scenario and its source (name or file path). ``raw`` is the scenario section
    with its interpolations unresolved: an error in ``${network.n_parties}`` names that key."""
    changes = _early_warning(early_warning or {})
    key, target = _scenario_target(scenario)
    overrides = {k: scenario[k] for k in GENERATOR_KEYS if scenario.get(k) is not None}
    loaded = _load_scenario(target, overrides, key, raw or {})
    return (loaded.replace(**changes) if changes else loaded), target


def _early_warning(section: Mapping) -> dict[str, float]:
    """The non-null ``early_warning`` keys, checked: the Scenario attributes they replace."""
    allowed = [f.name for f in dataclasses.fields(EarlyWarningConf)]
    changes = {k: v for k, v in section.items() if k in allowed and v is not None}
    for key, value in changes.items():
        check_range(f"early_warning.{key}", value, 0.0, 1.0)
    return {k: float(v) for k, v in changes.items()}


def _scenario_target(scenario: Mapping) -> tuple[str, str]:
    """``(config key, name or path)`` of the scenario to load."""
    path, name = scenario.get("file"), scenario.get("name")
    if path is None:
        if not isinstance(name, str) or not name:
            raise SimInputError("scenario.name", name, "must be a scenario name")
        return "scenario.name", name
    if not isinstance(path, str) or not path.strip():
        raise SimInputError("scenario.file", path, "must be the path of a scenario YAML file")
    target = Path(path).expanduser().resolve()  # a path, never read as a scenario name
    if target.is_dir():
        raise SimInputError("scenario.file", path, "is a directory, not a scenario YAML file")
    if not target.is_file():
        raise SimInputError("scenario.file", path, "no such file")
    return "scenario.file", str(target)


def _load_scenario(target: str, overrides: dict, key: str, raw: Mapping) -> Scenario:
    import yaml

    from .scenarios_io import load_scenario

    try:
        return load_scenario(target, **overrides)
    except SimInputError as e:
        raise _scenario_error(e, key, raw, target) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError) as e:
        # the loader reports bad files itself; this is a backstop naming the key
        raise SimInputError(key, target, _one_line(e)) from None


# ---------------------------------------------------------------- helpers
def _names(*schemas: type) -> list[str]:
    return list(dict.fromkeys(f.name for s in schemas for f in dataclasses.fields(s)))


#: Keys of every section; ``model`` is checked by :func:`sim.params.as_parameters`.
_SECTIONS = {
    "scenario": _names(ScenarioConf, GeneratedScenarioConf),
    "network": _names(NetworkConf),
    "early_warning": _names(EarlyWarningConf),
    "policy": _names(Policy),
    "model": None,
    "run": _names(RunConf),
    "output": _names(OutputConf),
}


def _check_network_used(scenario: Mapping, network: Mapping) -> None:
    """``network.*`` keys configure ``scenario=generated`` only: refuse them with any other
    scenario (a named one or a file) instead of ignoring them."""
    given = {k: v for k, v in network.items() if v is not None}
    if not given or "topology" in scenario:  # the generated schema has the generator keys
        return
    key = next(iter(given))
    source = scenario.get("file") or scenario.get("name")
    raise SimInputError(
        f"network.{key}",
        given[key],
        f"the network group configures scenario=generated only, not scenario {source!r}; "
        "drop the network override or use scenario=generated",
    )


def _check_keys(c: Mapping) -> None:
    """Keys added with ``+key=value`` pass Hydra's schema checks; refuse them here."""
    unknown = sorted(set(c) - set(_SECTIONS) - {"hydra"})
    if unknown:
        raise SimInputError("config", unknown, f"unknown keys; allowed: {', '.join(_SECTIONS)}")
    for name, allowed in _SECTIONS.items():
        section = c.get(name)
        if section is None or allowed is None:
            continue
        if not isinstance(section, Mapping):
            raise SimInputError(name, section, f"must be a mapping with keys {', '.join(allowed)}")
        unknown = sorted(set(section) - set(allowed))
        if unknown:
            raise SimInputError(name, unknown, f"unknown keys; allowed: {', '.join(allowed)}")


def _container(cfg: DictConfig | Mapping) -> dict:
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    return dict(cfg)


def _raw_scenario(cfg: DictConfig | Mapping) -> dict:
    """The scenario section with interpolations left as written (to name error sources)."""
    if isinstance(cfg, DictConfig) and "scenario" in cfg:
        node = OmegaConf.to_container(cfg.scenario, resolve=False)
        return node if isinstance(node, dict) else {}
    return {}


def _int(section: Mapping, key: str, low: int, high: int) -> int:
    value = section[key.split(".", 1)[1]]
    check_range(key, value, low, high, integer=True)
    return int(value)


def _scenario_error(e: SimInputError, key: str, raw: Mapping, target: str) -> SimInputError:
    """A loader error named by the config key it came from (``scenario.name``, ``network.*``);
    an error about the file a ``scenario.name`` path names (not a line in it) names the key and
    its value."""
    if e.field == "scenario":
        return SimInputError(key, e.value, e.allowed)
    m = re.search(r"(?:^generated|overrides)\.(\w+)$", e.field)
    if m and m.group(1) in GENERATOR_KEYS:
        name = m.group(1)
        return SimInputError(_source_key(raw.get(name), f"scenario.{name}"), e.value, e.allowed)
    if key == "scenario.name" and ":" not in e.field:  # the file itself, not a line in it
        found = "" if e.value in (None, "", target) else f" (found {e.value!r})"
        return SimInputError(key, target, f"{e.allowed}{found}")
    return e


def _source_key(raw: Any, default: str) -> str:
    """``network.n_parties`` for a raw value ``${network.n_parties}``, else ``default``."""
    if isinstance(raw, str):
        m = re.fullmatch(r"\$\{([\w.]+)\}", raw.strip())
        if m:
            return m.group(1)
    return default


def _one_line(e: BaseException) -> str:
    """The message of an exception on one line (key errors say which key is missing)."""
    text = " ".join(str(e).split())
    if isinstance(e, KeyError) or not text:
        text = f"{type(e).__name__}: {text}".rstrip(": ")
    return text
