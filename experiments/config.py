"""The experiments' config: its schema, the grid of cells, and what identifies a cell's results.

The primary config is ``conf/experiments.yaml``; it reuses the ``scenario``, ``network``,
``early_warning``, ``model`` and ``run`` groups of the single-run command (:mod:`sim.config`) and
adds three sections:

* ``experiment`` (group ``conf/experiment/<name>.yaml``, package ``_global_``): the experiment's
  ``name``, its ``analysis`` (which tables and figure the aggregator makes), ``out_dir``, the
  ``grid`` of cells, the ``policy`` fields shared by every cell, the ``warning_profiles``, the
  number of replicate blocks ``n_blocks`` and the analysis settings.
* ``cell``: one key per axis (``instrument``, ``lag_weeks``, ``unity``, ``withdraw_when_calm``,
  ``warning``, ...); ``null`` selects every value of the axis. A job computes the cells of the
  grid that match every non-null key, so ``cell.instrument=envoy cell.lag_weeks=4`` is one cell
  and no ``cell`` key at all is the whole grid.
* ``block``: which replicate block a job computes (``0 .. n_blocks - 1``), ``null`` for all.

A *cell* is one policy (plus, for the warning-quality experiment, one early-warning profile); it is
always run together with the no-action baseline on the same replicates. Its results are identified
by a *fingerprint*: a hash of everything that determines them (the resolved scenario section,
the model overrides, the early-warning settings, horizon, seed, the policy, and the source code of
:mod:`sim`). Result files whose fingerprint differs from the current config are *stale*: they are
never used and are recomputed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

import sim
from sim.config import (
    EarlyWarningConf,
    NetworkConf,
    RunConf,
    build_params,
    build_run,
    field_types,
    nullable_fields,
)
from sim.errors import SimInputError
from sim.params import Parameters
from sim.policy import Policy

from . import REPO_ROOT

#: The ``conf/`` directory (the Hydra config path of the experiment apps).
CONFIG_DIR = REPO_ROOT / "conf"
#: Fields of :class:`sim.Policy` a grid axis or ``experiment.policy`` may set.
POLICY_FIELDS = tuple(f.name for f in dataclasses.fields(Policy))
#: The extra axis naming an early-warning profile of ``experiment.warning_profiles``.
WARNING_AXIS = "warning"
#: The extra axis naming a built-in scenario (replaces the ``scenario`` section for the cell).
SCENARIO_AXIS = "scenario"
#: The profile name meaning "the scenario's and the model's own early-warning settings".
DEFAULT_PROFILE = "default"
AXES = (SCENARIO_AXIS, *POLICY_FIELDS, WARNING_AXIS)
#: The analyses the aggregator knows (``experiment.analysis``), see :mod:`experiments.analyses`.
ANALYSES = ("warning_to_action", "early_vs_late", "unity", "sustainability", "warning_quality")
#: ``experiment.kind``: a grid of cells (this package), or an experiment with its own module
#: (``experiments.<kind>.run_experiment``).
KINDS = ("grid", "calibration", "sensitivity", "scenario_discovery")
#: Keys of a warning profile that go to the ``early_warning`` section (scenario attributes) ...
EARLY_WARNING_KEYS = tuple(f.name for f in dataclasses.fields(EarlyWarningConf))
#: ... and those that are model parameters (``model.<key>``).
PROFILE_MODEL_KEYS = ("warning_persistence_weeks", "observation_noise")
PROFILE_KEYS = EARLY_WARNING_KEYS + PROFILE_MODEL_KEYS


# ---------------------------------------------------------------- schema
#: Policy fields shared by every cell (``experiment.policy``); null keeps the default
#: (instrument none, lag 0, intensity 1, the instrument's duration, sponsor un, ...). Grid axes
#: override them cell by cell.
PolicyFieldsConf = dataclasses.make_dataclass(
    "PolicyFieldsConf", nullable_fields(field_types(Policy))
)


@dataclass
class ExperimentConf:
    """The ``experiment`` section (set by ``conf/experiment/<name>.yaml``)."""

    name: str = MISSING
    # grid: a grid of cells (below); calibration, sensitivity: experiments.<kind>.run_experiment
    # with this section as a dict (the keys after `settings`)
    kind: str = "grid"
    analysis: str = MISSING
    description: str = ""
    # Where cell files, the manifest and the tables go; relative paths are taken from the
    # directory the command was started in (never Hydra's timestamped folder).
    # The default names the scenario (a file's stem) and a short hash of what changes the
    # results (results_fingerprint): other settings never share its folder, the same rerun does.
    out_dir: str = "outputs/experiments/${experiment.name}-${exp_tag:}"
    # A list of {axis: [values]} mappings; the grid is the union of their Cartesian products.
    grid: list[Any] = field(default_factory=list)
    policy: PolicyFieldsConf = field(default_factory=lambda: PolicyFieldsConf())  # every cell's
    # name -> early_warning keys (add one on the command line: +experiment.warning_profiles.x=)
    warning_profiles: dict[str, Any] = field(default_factory=dict)
    n_blocks: int = 1  # replicate blocks per cell (one Hydra job each with -m)
    batch_cells: int = 8  # cells per run_ensemble call when one job computes several
    aggregate: bool = True  # build the tables when the run (or the multirun) ends
    progress: bool = True  # tqdm progress bar over cells (single-process runs)
    bootstrap: int = 500  # bootstrap resamples (prevention window)
    bootstrap_seed: int = 20110826
    settings: dict[str, Any] = field(default_factory=dict)  # analysis-specific settings
    # kind calibration / sensitivity only (conf/experiment/calibration.yaml, sensitivity.yaml)
    samples: int | None = None  # calibration: parameter sets sampled
    history_replicates: int | None = None  # calibration: replicates of the long history runs
    history_weeks: int | None = None  # calibration: weeks of the long history runs
    morris_trajectories: int | None = None  # sensitivity: Morris elementary-effect trajectories
    sobol_base: int | None = None  # sensitivity: Sobol' base sample size
    replicates: int | None = None  # calibration / sensitivity: replicates per parameter set
    seed: int | None = None  # calibration / sensitivity: sampling and simulation seed


#: Selects cells: every non-null key must equal the cell's value of that axis.
CellConf = dataclasses.make_dataclass(
    "CellConf",
    nullable_fields({**field_types(Policy), WARNING_AXIS: str, SCENARIO_AXIS: str}),
)


@dataclass
class ExperimentsConfig:
    """The composed config of the experiment apps (``conf/experiments.yaml``)."""

    scenario: Any = MISSING
    network: NetworkConf = field(default_factory=NetworkConf)
    early_warning: EarlyWarningConf = field(default_factory=EarlyWarningConf)
    model: Any = MISSING  # base_model (sim.config): sim.Parameters, nested
    run: RunConf = field(default_factory=RunConf)
    experiment: ExperimentConf = field(default_factory=ExperimentConf)
    cell: CellConf = field(default_factory=CellConf)
    block: int | None = None


def register() -> None:
    """Register the schema and the resolvers (idempotent; done on import)."""
    ConfigStore.instance().store(name="experiments_schema", node=ExperimentsConfig)
    OmegaConf.register_new_resolver("exp_axis", _axis_resolver, replace=True)
    OmegaConf.register_new_resolver("exp_blocks", _blocks_resolver, replace=True)
    OmegaConf.register_new_resolver("exp_tag", _tag_resolver, replace=True)


def _tag_resolver(*, _root_) -> str:
    """``${exp_tag:}``: ``<scenario>-<hash>`` for the default ``experiment.out_dir``, e.g.
    ``my_region-3fa2c1``: the scenario's name, or its file's stem, and the first 6 hex digits
    of :func:`results_fingerprint` (``experiment.out_dir`` itself is not read)."""
    c = {}
    for key in _root_:
        if key in ("hydra", "cell", "block"):
            continue
        if key == "experiment":
            exp = _root_.experiment
            c[key] = {k: _plain(exp, k) for k in exp if k != "out_dir"}
        else:
            c[key] = _plain(_root_, key)
    c["experiment"]["out_dir"] = "."
    key = json.dumps(c, sort_keys=True, default=lambda v: getattr(v, "value", str(v)))
    return _tag(key, _file_sha256((c.get("scenario") or {}).get("file")))


def _file_sha256(path) -> str | None:
    """The sha256 of a scenario file's contents (None: no file, or unreadable)."""
    if not path:
        return None
    try:
        return hashlib.sha256(Path(str(path)).expanduser().read_bytes()).hexdigest()
    except OSError:
        return None


def _plain(node: DictConfig, key: str):
    child = node._get_node(key)
    return OmegaConf.to_container(child, resolve=True) if OmegaConf.is_config(child) else node[key]


@lru_cache(maxsize=64)
def _tag(config_json: str, file_sha256: str | None) -> str:
    """Cached on the config and the scenario file's contents (resolving builds every cell)."""
    c = json.loads(config_json)
    try:
        experiment = resolve(c)
    except SimInputError:  # reported by the job, naming its key, instead of inside Hydra's error
        return f"{scenario_stem(c.get('scenario') or {})}-invalid"
    stem = scenario_stem(experiment.context["scenario"])
    return f"{stem}-{results_fingerprint(experiment)[:6]}"


def scenario_stem(section: dict) -> str:
    """A scenario's short name: its file's stem if it has a file, else its name (file-name safe)."""
    f = section.get("file")
    name = Path(str(f)).stem if f else str(section.get("name") or "scenario")
    return _fmt(name)


def results_fingerprint(experiment: Experiment) -> str:
    """A hash of everything that changes an experiment's results and tables: its manifest
    (every cell's fingerprint, replicates, seed, horizon, bootstrap, settings, code version)
    without what does not (blocking, threads, description), plus the contents of the scenario
    file if there is one."""
    m = experiment.to_manifest()
    for key in ("n_blocks", "blocks", "description"):
        m.pop(key, None)
    m["context"] = _without_threads(m["context"])
    f = (m["context"].get("scenario") or {}).get("file")
    if f:
        m["scenario_file_sha256"] = _file_sha256(f)
    return fingerprint(m)


def _axis_resolver(name: str, *, _root_) -> str:
    """``${exp_axis:lag_weeks}``: the values of an axis over the grid as a Hydra sweep,
    e.g. ``0,1,2,4`` (used by ``hydra.sweeper.params``)."""
    grid = OmegaConf.to_container(_root_.experiment.grid, resolve=True)
    values: list = []
    for entry in _grid_entries(grid):
        for v in _as_list(entry.get(name, [])):
            if v not in values:
                values.append(v)
    if not values:
        raise SimInputError("experiment.grid", name, "is not an axis of the grid")
    return ",".join(override_value(v) for v in values)


def _blocks_resolver(n) -> str:
    """``${exp_blocks:${experiment.n_blocks}}``: ``0,1,...,n-1``."""
    n = int(n)
    if n < 1:
        raise SimInputError("experiment.n_blocks", n, "must be >= 1")
    return ",".join(str(b) for b in range(n))


def override_value(v) -> str:
    """A value written the way Hydra's override grammar reads it back."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int | float):
        return repr(v)
    s = str(v)
    if s.replace("_", "").replace("-", "").replace(".", "").isalnum():
        return s
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


register()


# ---------------------------------------------------------------- resolved objects
@dataclass(frozen=True)
class Cell:
    """One cell of the grid: a policy (and an early-warning profile) against the baseline."""

    cell_id: str
    axes: dict  # axis -> value (every axis of the experiment)
    scenario: dict  # the scenario section for this cell
    policy: dict  # all Policy fields
    early_warning: dict  # the early_warning section for this cell (nulls keep the defaults)
    model: dict  # the cell's model overrides (a warning profile's), over the shared ones
    fingerprint: str

    def matches(self, selection: dict) -> bool:
        return all(_same(self.axes.get(k), v) for k, v in selection.items())

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Experiment:
    """An experiment resolved from its config: everything a job or the aggregator needs."""

    name: str
    analysis: str
    description: str
    out_dir: Path
    replicates: int
    n_blocks: int
    horizon_weeks: int
    seed: int
    threads: int | None
    batch_cells: int
    bootstrap: int
    bootstrap_seed: int
    settings: dict
    axes: tuple
    cells: tuple
    context: dict  # the sections shared by every cell (scenario, network, model, run, ...)
    scenario_name: str
    code_version: str
    warning_profiles: dict

    def blocks(self) -> list[tuple[int, int]]:
        """Replicate ranges ``[start, stop)`` of the blocks (block b of n_blocks)."""
        n, k = self.replicates, self.n_blocks
        return [(b * n // k, (b + 1) * n // k) for b in range(k)]

    def cell(self, cell_id: str) -> Cell:
        for c in self.cells:
            if c.cell_id == cell_id:
                return c
        raise KeyError(cell_id)

    def to_manifest(self) -> dict:
        """The ``manifest.json`` contents: the expected cells and everything to aggregate them."""
        return {
            "format": MANIFEST_FORMAT,
            "experiment": self.name,
            "analysis": self.analysis,
            "description": self.description,
            "scenario": self.scenario_name,
            "replicates": self.replicates,
            "n_blocks": self.n_blocks,
            "blocks": [list(b) for b in self.blocks()],
            "horizon_weeks": self.horizon_weeks,
            "seed": self.seed,
            "bootstrap": self.bootstrap,
            "bootstrap_seed": self.bootstrap_seed,
            "settings": self.settings,
            "axes": list(self.axes),
            "warning_profiles": self.warning_profiles,
            "code_version": self.code_version,
            "context": self.context,
            "cells": [c.to_dict() for c in self.cells],
        }


MANIFEST_FORMAT = 2


def from_manifest(manifest: dict, out_dir: str | os.PathLike) -> Experiment:
    """The :class:`Experiment` a manifest describes (for the standalone aggregator)."""
    if manifest.get("format") != MANIFEST_FORMAT:
        raise SimInputError("manifest.format", manifest.get("format"), f"must be {MANIFEST_FORMAT}")
    run = manifest["context"].get("run", {})
    return Experiment(
        name=manifest["experiment"],
        analysis=manifest["analysis"],
        description=manifest.get("description", ""),
        out_dir=Path(out_dir).resolve(),
        replicates=int(manifest["replicates"]),
        n_blocks=int(manifest["n_blocks"]),
        horizon_weeks=int(manifest["horizon_weeks"]),
        seed=int(manifest["seed"]),
        threads=run.get("threads"),
        batch_cells=1,
        bootstrap=int(manifest["bootstrap"]),
        bootstrap_seed=int(manifest["bootstrap_seed"]),
        settings=manifest.get("settings") or {},
        axes=tuple(manifest["axes"]),
        cells=tuple(Cell(**c) for c in manifest["cells"]),
        context=manifest["context"],
        scenario_name=manifest["scenario"],
        code_version=manifest["code_version"],
        warning_profiles=manifest.get("warning_profiles") or {},
    )


# ---------------------------------------------------------------- resolving a config
#: Policy fields every cell starts from, before ``experiment.policy`` and the grid axes.
POLICY_DEFAULTS = {
    "instrument": "none",
    "lag_weeks": 0,
    "intensity": 1.0,
    "sponsor": "un",
    "withdraw_when_calm": False,
}


@dataclass(frozen=True)
class _GridBase:
    """What every cell of a config starts from, before its grid point is applied."""

    context: dict  # the sections shared by every cell (scenario, model, run, network)
    fixed_policy: dict  # experiment.policy without nulls
    profiles: dict  # experiment.warning_profiles (flat keys, see PROFILE_KEYS)
    early_warning: dict  # the early_warning section without nulls
    code: str  # code_version()


def resolve(cfg: DictConfig | dict, cwd: str | os.PathLike | None = None) -> Experiment:
    """Validate a composed config and expand its grid into cells.

    ``cwd`` is the directory relative ``experiment.out_dir`` paths are taken from (the
    directory the command was started in; Hydra's ``hydra.runtime.cwd``).
    Raises :class:`SimInputError` naming the config key for any bad value, before anything runs:
    every cell's run is built once here (:func:`validate_cells`).
    """
    c = to_dict(cfg)
    exp = dict(c.get("experiment") or {})
    run = dict(c.get("run") or {})
    identity = _identity(exp, run, cwd)
    profiles = _warning_profiles(exp)
    fixed_policy = _fixed_policy(exp)
    early_warning = {k: v for k, v in (c.get("early_warning") or {}).items() if v is not None}
    base = _GridBase(_context(c, run), fixed_policy, profiles, early_warning, code_version())
    axes = _grid_axes(exp.get("grid"))
    cells = _expand_grid(exp.get("grid"), axes, base)
    experiment = Experiment(
        **identity,
        horizon_weeks=int(base.context["run"]["horizon_weeks"]),
        seed=int(base.context["run"]["seed"]),
        threads=run.get("threads"),
        **_analysis_settings(exp),
        axes=tuple(axes),
        cells=tuple(cells),
        context=base.context,
        scenario_name=scenario_stem(base.context["scenario"] or {}),
        code_version=base.code,
        warning_profiles=profiles,
    )
    validate_cells(experiment)
    return experiment


def experiment_kind(cfg: DictConfig | dict) -> str:
    """``experiment.kind``, checked (one of :data:`KINDS`)."""
    exp = to_dict(cfg).get("experiment") or {}
    kind = exp.get("kind", "grid")
    if kind not in KINDS:
        raise SimInputError("experiment.kind", kind, f"must be one of {', '.join(KINDS)}")
    return kind


def out_dir_of(exp: dict, cwd: str | os.PathLike | None) -> Path:
    """``experiment.out_dir`` as an absolute path (relative ones from ``cwd``, the directory the
    command was started in)."""
    out_dir = Path(os.path.expanduser(_str(exp, "out_dir")))
    if not out_dir.is_absolute():
        out_dir = Path(cwd if cwd is not None else os.getcwd()) / out_dir
    return out_dir.resolve()


def _identity(exp: dict, run: dict, cwd) -> dict:
    """The experiment's name, analysis, output directory and replicates, validated."""
    name = _str(exp, "name")
    analysis = _str(exp, "analysis")
    if analysis not in ANALYSES:
        raise SimInputError(
            "experiment.analysis", analysis, f"must be one of {', '.join(ANALYSES)}"
        )
    backend = run.get("backend", "numba")
    backend = getattr(backend, "value", backend)
    if backend != "numba":
        raise SimInputError("run.backend", backend, "experiments run on the numba backend only")
    n_blocks = _int(exp.get("n_blocks", 1), "experiment.n_blocks", 1, 1_000_000)
    replicates = _int(run.get("replicates", 1000), "run.replicates", 2, 100_000_000)
    if n_blocks > replicates:
        raise SimInputError(
            "experiment.n_blocks", n_blocks, f"must be <= run.replicates ({replicates})"
        )
    return {
        "name": name,
        "analysis": analysis,
        "description": str(exp.get("description") or ""),
        "out_dir": out_dir_of(exp, cwd),
        "replicates": replicates,
        "n_blocks": n_blocks,
    }


def _analysis_settings(exp: dict) -> dict:
    """How cells are batched and what the aggregator needs (bootstrap, per-analysis settings)."""
    return {
        "batch_cells": _int(exp.get("batch_cells", 8), "experiment.batch_cells", 1, 10_000),
        "bootstrap": _int(exp.get("bootstrap", 500), "experiment.bootstrap", 0, 1_000_000),
        "bootstrap_seed": _int(
            exp.get("bootstrap_seed", 0), "experiment.bootstrap_seed", 0, 2**63 - 1
        ),
        "settings": dict(exp.get("settings") or {}),
    }


def _warning_profiles(exp: dict) -> dict:
    """``experiment.warning_profiles``, each a mapping of flat keys named as where they land:
    :data:`EARLY_WARNING_KEYS` (the ``early_warning`` section) and :data:`PROFILE_MODEL_KEYS`
    (``model`` overrides)."""
    profiles = exp.get("warning_profiles") or {}
    if not isinstance(profiles, dict):
        raise SimInputError("experiment.warning_profiles", profiles, "must be a mapping")
    for name, profile in profiles.items():
        if not isinstance(profile, dict) or set(profile) - set(PROFILE_KEYS):
            raise SimInputError(
                f"experiment.warning_profiles.{name}",
                profile,
                f"must be a mapping with keys among {', '.join(PROFILE_KEYS)}",
            )
    return profiles


def _fixed_policy(exp: dict) -> dict:
    """The policy fields ``experiment.policy`` sets for every cell (nulls dropped)."""
    fixed = {k: v for k, v in (exp.get("policy") or {}).items() if v is not None}
    if set(fixed) - set(POLICY_FIELDS):
        raise SimInputError(
            "experiment.policy", fixed, f"keys must be among {', '.join(POLICY_FIELDS)}"
        )
    return fixed


def _context(c: dict, run: dict) -> dict:
    """The sections every cell shares: scenario, model overrides, run (and network if used)."""
    context = {
        "scenario": c.get("scenario") or {},
        "model": model_overrides(c.get("model")),
        "run": {
            "horizon_weeks": run.get("horizon_weeks", 104),
            "seed": run.get("seed", 0),
            "threads": run.get("threads"),
        },
    }
    if (context["scenario"] or {}).get("name") == "generated":
        context["network"] = c.get("network") or {}
    return context


def model_overrides(model: dict | None) -> dict:
    """The ``model`` section (all of :class:`sim.Parameters`, or some keys) as the dotted
    overrides of the defaults it makes: only the values that differ, so that manifests stay
    short and a cell's fingerprint names what was changed. Raises :class:`SimInputError`
    (``model.<key>``) for a bad value."""
    default = Parameters().flat()
    return {k: v for k, v in build_params(model).flat().items() if v != default[k]}


def _grid_axes(grid) -> list[str]:
    """The axes of the grid, in order of first appearance."""
    axes = []
    for entry in _grid_entries(grid):
        for key in entry:
            if key not in AXES:
                raise SimInputError("experiment.grid", key, f"axes must be among {', '.join(AXES)}")
            if key not in axes:
                axes.append(key)
    if not axes:
        raise SimInputError("experiment.grid", grid, "must define at least one axis")
    return axes


def _expand_grid(grid, axes: list[str], base: _GridBase) -> list[Cell]:
    """The cells of the grid in order: each entry's Cartesian product, duplicates dropped."""
    cells, seen = [], set()
    for entry in _grid_entries(grid):
        keys = list(entry)
        for values in itertools.product(*(_as_list(entry[k]) for k in keys)):
            cell = _cell(dict(zip(keys, values, strict=True)), axes, base)
            if cell.cell_id not in seen:
                seen.add(cell.cell_id)
                cells.append(cell)
    return cells


def _cell(point: dict, axes: list[str], base: _GridBase) -> Cell:
    """The cell of one grid point (``{axis: value}``), with its fingerprint."""
    policy = {f: None for f in POLICY_FIELDS}
    policy.update(POLICY_DEFAULTS)
    policy.update(base.fixed_policy)
    policy.update({k: v for k, v in point.items() if k in POLICY_FIELDS})
    profile = point.get(WARNING_AXIS, DEFAULT_PROFILE)
    early_warning, model = _cell_warning(profile, base)
    scenario = _cell_scenario(point, base.context["scenario"])
    cell_axes = {}
    for a in axes:
        if a == WARNING_AXIS:
            cell_axes[a] = profile
        elif a == SCENARIO_AXIS:
            cell_axes[a] = scenario.get("name")
        else:
            cell_axes[a] = policy[a]
    context = {**_without_threads(base.context), "scenario": scenario}
    fp = fingerprint(
        {
            "context": context,
            "early_warning": early_warning,
            "model": model,
            "policy": policy,
            "code": base.code,
        }
    )
    return Cell(cell_id(cell_axes), cell_axes, scenario, policy, early_warning, model, fp)


def _cell_warning(profile: str, base: _GridBase) -> tuple[dict, dict]:
    """The early_warning section and the model overrides of a warning profile: its
    :data:`EARLY_WARNING_KEYS` over the configured early_warning section, its
    :data:`PROFILE_MODEL_KEYS` as model overrides (over the shared ones when the run is built);
    null keeps the configured value."""
    if profile != DEFAULT_PROFILE and profile not in base.profiles:
        raise SimInputError(
            "experiment.grid.warning",
            profile,
            f"must be {DEFAULT_PROFILE} or one of experiment.warning_profiles "
            f"({', '.join(base.profiles) or 'none defined'})",
        )
    settings = {k: v for k, v in (base.profiles.get(profile) or {}).items() if v is not None}
    early_warning = {k: v for k, v in settings.items() if k in EARLY_WARNING_KEYS}
    model = {k: v for k, v in settings.items() if k in PROFILE_MODEL_KEYS}
    return {**base.early_warning, **early_warning}, model


def _cell_scenario(point: dict, scenario: dict) -> dict:
    """The scenario section of a grid point: a built-in scenario on the scenario axis replaces
    the configured one."""
    if SCENARIO_AXIS not in point:
        return dict(scenario)
    if not isinstance(point[SCENARIO_AXIS], str):
        raise SimInputError(
            "experiment.grid.scenario",
            point[SCENARIO_AXIS],
            "must be the name of a built-in scenario",
        )
    return {"name": point[SCENARIO_AXIS], "file": None}


def validate_cells(experiment: Experiment) -> None:
    """Build every cell's run (scenario, parameters, policy) once, so that a bad value fails
    before anything runs, naming its key."""
    for cell in experiment.cells:
        try:
            run_spec(experiment, cell)
        except SimInputError as e:
            raise SimInputError(f"{e.field} (cell {cell.cell_id})", e.value, e.allowed) from None


def run_spec(experiment: Experiment, cell: Cell):
    """The :class:`sim.config.RunSpec` of a cell (validated by :func:`sim.config.build_run`)."""
    return _run_spec(
        _json({**experiment.context, "scenario": cell.scenario}),
        _json(cell.early_warning),
        _json(cell.model),
        _json(cell.policy),
        experiment.replicates,
    )


@lru_cache(maxsize=256)
def _run_spec(context: str, early_warning: str, model: str, policy: str, replicates: int):
    """Cached on the JSON of its inputs: the cells of a grid share most of them. The cell's
    model overrides (a warning profile's) win over the shared ones."""
    ctx = json.loads(context)
    sections = {
        "scenario": ctx["scenario"],
        "model": {**ctx["model"], **json.loads(model)},
        "early_warning": json.loads(early_warning),
        "policy": json.loads(policy),
        "run": {**ctx["run"], "replicates": replicates},
    }
    if "network" in ctx:
        sections["network"] = ctx["network"]
    return build_run(sections)


def context_key(experiment: Experiment, cell: Cell) -> str:
    """Cells with the same key share everything but the policy: one ensemble call runs them."""
    return _json([cell.scenario, cell.early_warning, cell.model])


# ---------------------------------------------------------------- identities
def cell_id(axes: dict) -> str:
    """A file-name-safe id of a cell, e.g. ``instrument-envoy__lag_weeks-4``."""
    parts = []
    for k, v in axes.items():
        parts.append(f"{k}-{_fmt(v)}")
    return "__".join(parts)


def _fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, float):
        return format(v, "g")
    s = str(v)
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in s)


def fingerprint(obj: Any) -> str:
    return hashlib.sha256(_json(obj).encode()).hexdigest()[:20]


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the model's source code (``sim/**/*.py``): results computed by other code are
    stale. Set ``EXPERIMENTS_CODE_VERSION`` to pin it (e.g. on a cluster whose nodes must agree)."""
    pinned = os.environ.get("EXPERIMENTS_CODE_VERSION", "").strip()
    if pinned:
        return pinned
    root = Path(sim.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


# ---------------------------------------------------------------- helpers
def to_dict(cfg: DictConfig | dict) -> dict:
    """The config as plain containers, resolved, without the ``hydra`` node."""
    if not isinstance(cfg, DictConfig):
        return {k: v for k, v in dict(cfg).items() if k != "hydra"}
    out = {}
    for key in cfg:
        if key == "hydra":
            continue
        node = cfg._get_node(key)
        out[key] = (
            OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else cfg[key]
        )
    return out


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _without_threads(context: dict) -> dict:
    ctx = json.loads(_json(context))
    ctx["run"].pop("threads", None)  # results never depend on the number of threads
    return ctx


def _grid_entries(grid) -> list[dict]:
    if grid is None:
        return []
    if isinstance(grid, dict):
        grid = [grid]
    if not isinstance(grid, list) or not all(isinstance(e, dict) for e in grid):
        raise SimInputError("experiment.grid", grid, "must be a list of {axis: [values]} mappings")
    return grid


def _as_list(v) -> list:
    return list(v) if isinstance(v, list | tuple) else [v]


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (isinstance(a, bool) and isinstance(b, bool) and a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-12)
    return a == b


def _str(section: dict, key: str) -> str:
    v = section.get(key)
    if not isinstance(v, str) or not v.strip():
        raise SimInputError(f"experiment.{key}", v, "must be a non-empty string")
    return v


def _int(v, key: str, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise SimInputError(key, v, f"must be an integer in [{low}, {high}]")
    return int(v)
