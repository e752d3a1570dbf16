"""The app's settings: its Hydra schema (``conf/app.yaml``) and the page's controls.

Two layers, both checked here and nowhere else:

* :class:`AppConf` is the schema of ``conf/app.yaml`` (host, port, the controls' start values,
  the ensemble curve's size). ``python -m sim.app port=8600 controls.scenario=kenya_2008``.
* :class:`Controls` is what the page's controls hold; :func:`parse_controls` turns the raw
  values a browser sends (text from a text field, numbers from a slider) into a valid
  :class:`Controls`, replacing each bad value by its default and returning one message per
  bad value (field, value, what is allowed), so a page never fails on input.

The controls' ranges come from the declared schema (``sim.policy.POLICY_RANGES``, the
scenario's ``RECORD_LIMITS``, ``sim.params.Mechanisms``); :func:`control_specs` turns them
into SolaraViz's ``model_params``. Nothing here imports solara.

Example:
    >>> controls, errors = parse_controls({"lag_weeks": "four", "seed": "7"})
    >>> controls.lag_weeks, controls.seed       # the bad lag keeps its default
    (8, 7)
    >>> errors
    ["decision lag (weeks): got 'four'; must be an integer in [0, 10000]"]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Range, SimInputError, shown
from ..params import INSTRUMENTS, Mechanisms
from ..policy import POLICY_RANGES
from ..scenario import RECORD_LIMITS
from ..schema import mesa_model_params, to_ident

#: Scenarios the page offers: the teaching scenarios and the report's cases (not the
#: 1000-party ``generated`` research network, too large to draw).
TEACHING_SCENARIOS = (
    "two_party",
    "election_crisis",
    "contagion_ring",
    "default",
    "kenya_2008",
    "guinea_2009",
    "kyrgyzstan_2010",
    "great_lakes_2008",
    "sudan_2011",
)
#: Seeds as everywhere in the project (``run.seed``).
SEED_RANGE = Range(0, 2**63 - 1, integer=True)
#: Labels of the controls, also the keys of their messages.
LABELS = {
    "scenario_name": "scenario",
    "instrument": "instrument",
    "lag_weeks": "decision lag (weeks)",
    "own_warning_and_unity": "scenario's own warning quality and unity",
    "warning_quality": "UN warning quality",
    "unity": "unity of the response",
    "seed": "seed",
}
MECHANISM_NAMES = tuple(f.name for f in dataclasses.fields(Mechanisms))


@dataclass
class ControlsConf:
    """Start values of the page's controls (each one can be changed in the page)."""

    scenario: str = "two_party"
    instrument: str = "envoy"
    lag_weeks: int = 8
    own_warning_and_unity: bool = True  # false: the two sliders below replace the scenario's
    warning_quality: float = 0.6
    unity: float = 0.8
    seed: int = 1
    mechanisms: dict[str, bool] = field(default_factory=dict)  # e.g. {contagion: false}


@dataclass
class CurveConf:
    """The ensemble curve P(violence) against the decision lag (the report's nine lags)."""

    lags: list[int] = field(default_factory=lambda: [0, 1, 2, 4, 8, 12, 16, 26, 52])
    replicates: int = 300  # paired replicates per lag (and for the no-action arm)
    threads: int | None = None  # numba threads; null uses all cores


@dataclass
class AppConf:
    """``conf/app.yaml``: where the page is served and what it starts with."""

    host: str = "127.0.0.1"  # loopback only; 0.0.0.0 serves the whole network
    port: int = 8765
    horizon_weeks: int = 104
    play_interval_ms: int = 300  # start value of the speed slider (ms between steps)
    controls: ControlsConf = field(default_factory=ControlsConf)
    curve: CurveConf = field(default_factory=CurveConf)


@dataclass(frozen=True)
class Controls:
    """Valid values of the page's controls (see :func:`parse_controls`)."""

    scenario_name: str = ControlsConf.scenario  # (SolaraViz reserves "scenario" for Mesa's own)
    instrument: str = ControlsConf.instrument
    lag_weeks: int = ControlsConf.lag_weeks
    own_warning_and_unity: bool = ControlsConf.own_warning_and_unity
    warning_quality: float = ControlsConf.warning_quality
    unity: float = ControlsConf.unity
    seed: int = ControlsConf.seed
    mechanisms: tuple[tuple[str, bool], ...] = tuple((name, True) for name in MECHANISM_NAMES)

    @property
    def params(self) -> dict[str, bool]:
        """Parameter overrides of the mechanism switches (``{"mechanisms.contagion": False}``)."""
        return {f"mechanisms.{name}": on for name, on in self.mechanisms}

    @property
    def policy(self) -> dict[str, Any]:
        """The Policy fields of the chosen action."""
        unity = None if self.own_warning_and_unity else self.unity
        return {"instrument": self.instrument, "lag_weeks": self.lag_weeks, "unity": unity}

    def as_values(self) -> dict[str, Any]:
        """The controls as the flat ``name: value`` mapping the page's inputs hold."""
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values.pop("mechanisms")
        values.update(dict(self.mechanisms))
        return values


def _text_int(label: str, value: Any, limits: Range) -> int:
    """An integer from a number or from the text of a text field."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = int(text)
        except ValueError:
            raise SimInputError(label, text, _allowed(limits)) from None
    try:
        return int(limits.check(label, value))
    except SimInputError:
        raise SimInputError(label, value, _allowed(limits)) from None


def _allowed(limits: Range) -> str:
    kind = "an integer" if limits.integer else "a number"
    return f"must be {kind} in [{limits.low}, {limits.high}]"


def _choice(label: str, value: Any, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise SimInputError(label, value, f"must be one of {', '.join(allowed)}")
    return value


def _flag(label: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SimInputError(label, value, "must be true or false")
    return value


_PARSERS = {
    "scenario_name": lambda v: _choice(LABELS["scenario_name"], v, TEACHING_SCENARIOS),
    "instrument": lambda v: _choice(LABELS["instrument"], v, INSTRUMENTS),
    "lag_weeks": lambda v: _text_int(LABELS["lag_weeks"], v, POLICY_RANGES["lag_weeks"]),
    "own_warning_and_unity": lambda v: _flag(LABELS["own_warning_and_unity"], v),
    "warning_quality": lambda v: RECORD_LIMITS["un"]["warning_quality"].check(
        LABELS["warning_quality"], v
    ),
    "unity": lambda v: POLICY_RANGES["unity"].check(LABELS["unity"], v),
    "seed": lambda v: _text_int(LABELS["seed"], v, SEED_RANGE),
}


def parse_controls(
    raw: Mapping[str, Any], defaults: Controls | None = None
) -> tuple[Controls, list[str]]:
    """Valid controls from raw page values, and one message per value that was not valid.

    A bad or unknown value never raises: the field keeps its default (``defaults``, else
    :class:`Controls`'s) and the message says what was wrong and what is allowed.
    """
    base = defaults if defaults is not None else Controls()
    values: dict[str, Any] = {}
    switches = dict(base.mechanisms)
    errors: list[str] = []
    for name, value in raw.items():
        try:
            if name in _PARSERS:
                values[name] = _PARSERS[name](value)
            elif name in switches:
                switches[name] = _flag(f"mechanism {name}", value)
            else:
                raise SimInputError(str(name)[:40], value, "is not a control of this page")
        except SimInputError as e:
            errors.append(str(e))
    controls = dataclasses.replace(base, **values, mechanisms=tuple(switches.items()))
    return controls, errors


def start_controls(conf: ControlsConf | Mapping[str, Any]) -> Controls:
    """The controls ``conf/app.yaml`` starts with (SimInputError naming ``controls.<key>`` on
    the first bad value)."""
    raw = dataclasses.asdict(conf) if isinstance(conf, ControlsConf) else dict(conf)
    raw.update(raw.pop("mechanisms", None) or {})
    raw["scenario_name"] = raw.pop("scenario")
    for name, value in raw.items():
        errors = parse_controls({name: value})[1]
        if not errors:
            continue
        allowed = errors[0].partition(f"got {shown(value)}; ")[2] or errors[0]
        if name == "scenario_name":
            name = "scenario"
        elif name not in _PARSERS:  # from the mechanisms mapping
            if name not in MECHANISM_NAMES:
                allowed = f"unknown mechanism; allowed: {', '.join(MECHANISM_NAMES)}"
            name = f"mechanisms.{name}"
        raise SimInputError(f"controls.{name}", value, allowed)
    return parse_controls(raw)[0]


#: Controls that are inputs of the one parameter schema (:mod:`sim.schema`), by dotted name.
SCHEMA_CONTROLS = {
    "instrument": "policy.instrument",
    "warning_quality": "scenario.un_warning_quality",
    "unity": "scenario.un_unity",
    **{name: f"mechanisms.{name}" for name in MECHANISM_NAMES},
}
#: The page's own controls (not model inputs): a scenario list and two typed-in numbers
#: (typed in class; a bad value gets a message).
PAGE_CONTROLS = {
    "scenario_name": {"type": "Select", "values": list(TEACHING_SCENARIOS)},
    "lag_weeks": {"type": "InputText"},
    "own_warning_and_unity": {"type": "Checkbox"},
    "seed": {"type": "InputText"},
}
CONTROL_ORDER = ("scenario_name", "instrument", "lag_weeks", "own_warning_and_unity",
                 "warning_quality", "unity", "seed", *MECHANISM_NAMES)  # fmt: skip


def control_specs(controls: Controls) -> dict[str, dict[str, Any]]:
    """SolaraViz's ``model_params`` for the page's controls, starting at ``controls``.

    The sliders, choices and switches of model inputs are :func:`sim.schema.mesa_model_params`
    (ranges, steps and choices declared once); only the label and start value are the page's.
    """
    declared = mesa_model_params(SCHEMA_CONTROLS.values(), steps=20)
    specs = {name: declared[to_ident(dotted)] for name, dotted in SCHEMA_CONTROLS.items()}
    specs.update(PAGE_CONTROLS)
    values = controls.as_values()
    out = {}
    for name in CONTROL_ORDER:
        label = LABELS.get(name, f"mechanism: {name}")
        value = str(values[name]) if specs[name]["type"] == "InputText" else values[name]
        out[name] = {**specs[name], "label": label, "value": value}
    return out
