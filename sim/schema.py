"""One list of parameter declarations, and every face generated from it.

A :class:`Declaration` holds a parameter's name, type, default, allowed range, plausible range,
meaning, unit and source. :func:`declarations` lists them in groups:

* ``model``: every leaf of :class:`sim.Parameters` (scalars, the instrument and stage tables,
  the mechanism switches), read from the dataclass fields' metadata (``sim.params.param``);
* ``multiplier``: per instrument, one factor scaling its force fields (``FORCE_FIELDS``) and one
  scaling its stage-effect row (the sensitivity analysis' table factors);
* ``scenario``: the scenario-level inputs of the UN sponsor (unity, warning quality and
  threshold), defaulting to the scenario's own values;
* ``policy``: the levers of :class:`sim.Policy` (instrument, decision lag, intensity, duration).

Generated from it: the parameter tables of ``docs/ODD.md`` (:mod:`sim.paramdoc`), the EMA
Workbench uncertainties and levers (:mod:`sim.ema`), the app's Mesa ``model_params``
(:func:`mesa_model_params`), the ``mesa.batch_run`` grid (:func:`batch_parameters`), and the
inputs of one run from flat, identifier-safe values (:func:`resolve`). Hydra's ``model`` and
``policy`` schemas (:mod:`sim.config`) are :class:`sim.Parameters` and :class:`sim.Policy`
themselves, the same source. This module stays light: no Mesa, EMA or numba import.

Names: ``name`` is dotted (``instruments.envoy.deploy_weeks``, ``policy.lag_weeks``,
``scenario.un_unity``, ``multiplier.instruments.envoy``); ``ident`` is the identifier-safe
form with ``__`` for each dot (``instruments__envoy__deploy_weeks``), the name EMA, Mesa and
keyword arguments need.

Example:
    >>> d = declaration("tension_decay")
    >>> d.kind, d.default, d.allowed, d.plausible
    ('float', 0.04, (0, 1), (0.02, 0.06))
    >>> declaration("policy__lag_weeks").ident
    'policy__lag_weeks'
    >>> p, scenario_changes, policy = resolve({"tension_decay": 0.05, "policy__instrument": "envoy",
    ...                                        "scenario__un_unity": 0.4})
    >>> p.tension_decay, scenario_changes, policy.label
    (0.05, {'un_unity': 0.4}, 'envoy@0')
    >>> mesa_model_params(["policy.lag_weeks"])["policy__lag_weeks"]["type"]
    'SliderInt'
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import SimInputError, check_range
from .params import INSTRUMENT_LABELS, INSTRUMENTS, STAGE_NAMES, Parameters, iter_fields
from .policy import POLICY_RANGES, Policy
from .scenario import Scenario

GROUPS = ("model", "multiplier", "scenario", "policy")
#: The force fields of an instrument row that its ``multiplier.instruments.<name>`` scales.
FORCE_FIELDS = (
    "attention_pulse",
    "attention_weekly",
    "tension_relief",
    "leverage",
    "capability_cut",
    "escalation_cap",
    "grievance_relief",
    "backlash",
)
MULTIPLIER_RANGE = (0.5, 1.5)
ACTING_INSTRUMENTS = tuple(n for n in INSTRUMENTS if n != "none")
#: UN attributes of a scenario that are inputs (``scenario.<name>``), with plausible ranges.
SCENARIO_INPUTS = {
    "un_unity": ("unity of the UN sponsor (Security Council)", (0.0, 1.0), "S/2011/552 para 16"),
    "un_warning_quality": (
        "quality of the UN's early warning (1 sees the indicator without noise)",
        (0.2, 1.0),
        "S/2011/552 paras 44-47",
    ),
    "un_warning_threshold": (
        "indicator level the UN counts as alarming",
        (0.4, 0.8),
        "S/2011/552 para 47",
    ),
}
#: Plausible ranges of the policy levers (allowed ranges: ``sim.policy.POLICY_RANGES``).
POLICY_PLAUSIBLE = {"lag_weeks": (0, 52), "intensity": (0.5, 1.5), "duration_weeks": (4, 156)}
POLICY_MEANINGS = {
    "instrument": "the preventive instrument sent after the first warning",
    "lag_weeks": "decision lag: weeks from the first warning to the decision",
    "intensity": "scales the action's force and its weekly cost",
    "duration_weeks": "weeks active after arrival (null: the instrument's default)",
}


@dataclass(frozen=True)
class Declaration:
    """One parameter: what every front end needs to know about it.

    ``kind`` is ``float``, ``int``, ``bool`` or ``choice``; ``allowed`` is ``(low, high)`` (the
    choices for ``choice``, ``(False, True)`` for ``bool``); ``plausible`` the range sampled by
    the exploratory analyses (None: not sampled, e.g. a switch or a zero table entry).
    """

    name: str
    group: str
    kind: str
    default: Any
    allowed: tuple
    plausible: tuple | None
    meaning: str
    unit: str = ""
    source: str = ""

    @property
    def ident(self) -> str:
        """The identifier-safe name (dots as ``__``): EMA's and Mesa's keyword."""
        return to_ident(self.name)

    @property
    def label(self) -> str:
        """A short human label for sliders and charts."""
        text = self.name.split(".", 1)[1] if self.group in ("scenario", "policy") else self.name
        return text.replace("_", " ") + (f" ({self.unit})" if self.unit else "")


def to_ident(name: str) -> str:
    """``instruments.envoy.deploy_weeks`` -> ``instruments__envoy__deploy_weeks``."""
    return name.replace(".", "__")


def to_dotted(ident: str) -> str:
    """The inverse of :func:`to_ident` (a dotted name is returned as it is)."""
    return ident.replace("__", ".")


# ---------------------------------------------------------------- the declarations
def _kind(f: dataclasses.Field) -> str:
    return {bool: "bool", "bool": "bool", int: "int", "int": "int"}.get(f.type, "float")


def _model_declarations() -> list[Declaration]:
    out = []
    for name, f, value in iter_fields(Parameters()):
        meta = f.metadata
        kind = _kind(f)
        plausible = meta["plausible"]
        if plausible is not None and plausible[0] == plausible[1]:
            plausible = None  # a zero table entry: nothing to sample around
        allowed = (False, True) if kind == "bool" else tuple(meta["range"])
        out.append(
            Declaration(name, "model", kind, value, allowed, plausible, meta["meaning"],
                        meta["unit"], meta["source"])
        )  # fmt: skip
    return out


def _multiplier_declarations() -> list[Declaration]:
    out = []
    for table, what in (("instruments", "force fields"), ("stage_effect", "stage-effect row")):
        for name in ACTING_INSTRUMENTS:
            out.append(
                Declaration(
                    f"multiplier.{table}.{name}",
                    "multiplier",
                    "float",
                    1.0,
                    (0.0, 10.0),
                    MULTIPLIER_RANGE,
                    f"scales the {what} of the {INSTRUMENT_LABELS[name]} (clipped to each "
                    "field's allowed range)",
                    unit="x default",
                )
            )
    return out


def _scenario_declarations() -> list[Declaration]:
    defaults = Scenario.__dataclass_fields__
    return [
        Declaration(f"scenario.{key}", "scenario", "float", defaults[key].default, (0.0, 1.0),
                    plausible, meaning, unit="0-1", source=source)
        for key, (meaning, plausible, source) in SCENARIO_INPUTS.items()
    ]  # fmt: skip


def _policy_declarations() -> list[Declaration]:
    out = [
        Declaration("policy.instrument", "policy", "choice", "none", INSTRUMENTS, INSTRUMENTS,
                    POLICY_MEANINGS["instrument"], source="S/2011/552 paras 49-57")
    ]  # fmt: skip
    for key, plausible in POLICY_PLAUSIBLE.items():
        limits = POLICY_RANGES[key]
        default = Policy.__dataclass_fields__[key].default
        out.append(
            Declaration(
                f"policy.{key}",
                "policy",
                "int" if limits.integer else "float",
                default,
                (limits.low, limits.high),
                plausible,
                POLICY_MEANINGS[key],
                unit="weeks" if key.endswith("weeks") else "x",
            )
        )
    return out


_BUILDERS = {
    "model": _model_declarations,
    "multiplier": _multiplier_declarations,
    "scenario": _scenario_declarations,
    "policy": _policy_declarations,
}


def declarations(*groups: str) -> list[Declaration]:
    """The declarations of the given groups (all of :data:`GROUPS` if none are named)."""
    for group in groups:
        if group not in GROUPS:
            raise SimInputError("schema group", group, f"must be one of {', '.join(GROUPS)}")
    return [d for group in groups or GROUPS for d in _BUILDERS[group]()]


def declaration(name: str) -> Declaration:
    """The declaration of a dotted or identifier-safe name (SimInputError if unknown)."""
    dotted = to_dotted(name)
    for d in declarations():
        if d.name == dotted:
            return d
    raise SimInputError("parameter", name, "unknown; see sim.schema.declarations()")


def select(names: Iterable[str] | None, group_default: Sequence[Declaration]) -> list[Declaration]:
    """The declarations named (dotted or identifier-safe), or ``group_default`` for None."""
    return list(group_default) if names is None else [declaration(n) for n in names]


def sampled(*groups: str) -> list[Declaration]:
    """The declarations of ``groups`` with a plausible range: what exploration samples.

    Model scalars, multipliers and scenario inputs by default; table entries are sampled through
    their multipliers, switches are structural (name them explicitly to explore them).
    """
    groups = groups or ("model", "multiplier", "scenario")
    return [
        d
        for d in declarations(*groups)
        if d.plausible is not None and not (d.group == "model" and "." in d.name)
    ]


# ---------------------------------------------------------------- from flat values to a run
def resolve(values: Mapping[str, Any], base: Parameters | None = None):
    """Split flat values (dotted or identifier-safe names) into the inputs of a run.

    Returns ``(Parameters, scenario changes, Policy)``: model values and multipliers applied to
    ``base`` (the defaults), the ``Scenario.replace`` keywords of the ``scenario.*`` values, and
    the Policy of the ``policy.*`` values. Raises SimInputError naming an unknown parameter or a
    value out of range.
    """
    base = base if base is not None else Parameters()
    overrides: dict[str, Any] = {}
    scenario_changes: dict[str, float] = {}
    policy_fields: dict[str, Any] = {}
    for key, value in values.items():
        d = declaration(key)
        head, _, rest = d.name.partition(".")
        if d.group == "model":
            overrides[d.name] = _plain(value)
        elif d.group == "multiplier":
            overrides.update(scaled_row(rest, float(value), base))
        elif d.group == "scenario":
            check_range(d.name, value, *d.allowed)
            scenario_changes[rest] = float(value)
        else:
            policy_fields[rest] = _plain(value)
    return base.replace(overrides), scenario_changes, Policy(**policy_fields)


def scaled_row(row: str, factor: float, base: Parameters) -> dict[str, float]:
    """Dotted overrides scaling a table row (``instruments.envoy``: its force fields;
    ``stage_effect.envoy``: its stages) by ``factor``, each clipped to its allowed range."""
    table, _, instrument = row.partition(".")
    fields = FORCE_FIELDS if table == "instruments" else STAGE_NAMES
    leaves = {name: (f, value) for name, f, value in iter_fields(base)}
    out = {}
    for field_name in fields:
        f, value = leaves[f"{row}.{field_name}"]
        low, high = f.metadata["range"]
        out[f"{table}.{instrument}.{field_name}"] = min(max(value * factor, low), high)
    return out


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (bools stay bools)."""
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------- faces
def mesa_model_params(
    names: Iterable[str], *, steps: int = 100, scenario: Scenario | None = None
) -> dict[str, dict]:
    """Mesa ``model_params`` (SolaraViz's format) for the named parameters, keyed by ``ident``.

    Floats become ``SliderFloat`` over the plausible range (the allowed one if none) with
    ``steps`` steps; ints ``SliderInt`` with step 1; bools ``Checkbox``; choices ``Select``.
    The value is the default (for ``scenario.*`` the given scenario's own value; the low end
    for ``policy.duration_weeks``, whose default is "the instrument's"). The keys are keywords
    of ``sim.batch.SweepModel`` (the model class to give SolaraViz) and of :func:`resolve`.

    Example:
        >>> slider = mesa_model_params(["tension_decay"])["tension_decay"]
        >>> slider["type"], slider["value"], slider["min"], slider["max"], slider["step"]
        ('SliderFloat', 0.04, 0.02, 0.06, 0.0004)
    """
    out = {}
    for d in select(names, ()):
        value = (
            getattr(scenario, d.name.split(".", 1)[1])
            if d.group == "scenario" and scenario
            else d.default
        )
        out[d.ident] = _widget(d, _plain(value), steps)
    return out


def _widget(d: Declaration, value: Any, steps: int) -> dict:
    if d.kind == "bool":
        return {"type": "Checkbox", "value": bool(value), "label": d.label}
    if d.kind == "choice":
        return {"type": "Select", "value": value, "label": d.label, "values": list(d.allowed)}
    low, high = d.plausible if d.plausible is not None else d.allowed
    value = low if value is None else value  # no default (a policy's duration): the low end
    low, high = min(low, value), max(high, value)
    if d.kind == "int":
        return {"type": "SliderInt", "value": int(value), "label": d.label, "min": int(low),
                "max": int(high), "step": 1}  # fmt: skip
    step = float(f"{(high - low) / steps:.3g}")
    return {"type": "SliderFloat", "value": float(value), "label": d.label, "min": float(low),
            "max": float(high), "step": step}  # fmt: skip


def batch_parameters(values: Mapping[str, Any], **fixed: Any) -> dict[str, Any]:
    """The ``parameters`` of ``mesa.batch_run(sim.batch.SweepModel, parameters=...)``.

    ``values`` maps parameter names (dotted or identifier-safe) to a value or a list of values
    to sweep; every value is checked against its declaration now (one-line SimInputError), not
    in a worker later. ``fixed`` are other keywords of the model (``horizon_weeks``,
    ``scenario``...), passed as they are.

    Example:
        >>> batch_parameters({"tension_decay": [0.03, 0.05], "policy.lag_weeks": [0, 8]},
        ...                  horizon_weeks=26)
        {'tension_decay': [0.03, 0.05], 'policy__lag_weeks': [0, 8], 'horizon_weeks': 26}
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        d = declaration(name)
        listed = list(value) if isinstance(value, list | tuple) else [value]
        if not listed:
            raise SimInputError(d.name, value, "needs at least one value to sweep")
        out[d.ident] = value
    for combination in itertools.product(
        *(v if isinstance(v, list | tuple) else [v] for v in out.values())
    ):
        resolve(dict(zip(out, combination, strict=True)))
    return {**out, **fixed}
