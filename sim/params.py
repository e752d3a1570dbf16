"""Every number of the model, declared once: stages, kinds, instruments and :class:`Parameters`.

:class:`Parameters` is a typed, nested, frozen dataclass. Each field carries its default, its
allowed range, a plausible range for sampling (sensitivity analysis, calibration), its meaning,
unit and source (``docs/ODD.md`` cites them). The Hydra schema (``sim.config``), the kernels'
record (:func:`kernel_params`) and the parameter table in the ODD are all derived from it.

Example:
    >>> p = Parameters()
    >>> p.escalation_rate, p.instruments.envoy.deploy_weeks, p.stage_effect.envoy.violence
    (0.15, 1, 0.6)
    >>> p.replace({"tension_decay": 0.05, "instruments.envoy.duration_weeks": 26}).tension_decay
    0.05
    >>> Parameters(tension_decay=2.0)
    Traceback (most recent call last):
    ...
    sim.errors.SimInputError: model.tension_decay: got 2.0; must be in [0.0, 1.0]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import SimInputError, check_range

# ---------------------------------------------------------------- stages (Glasl's nine, collapsed)
STABLE, DISPUTE, CRISIS, VIOLENCE, WAR = 0, 1, 2, 3, 4
#: Escalation stages. Glasl (1982) stages 1-3 ("win-win": hardening, debate, actions not words)
#: are ``dispute``; 4-6 ("win-lose": images and coalitions, loss of face, threat strategies) are
#: ``crisis``; 7-8 ("lose-lose": limited destructive blows, fragmentation of the enemy) are
#: ``violence``; 9 ("together into the abyss") is ``war``. ``stable`` is below stage 1.
STAGE_NAMES = ("stable", "dispute", "crisis", "violence", "war")
N_STAGES = len(STAGE_NAMES)

PARTY_KINDS = ("government", "armed_group", "community")
RELATION_KINDS = ("rivalry", "affinity")
RIVALRY, AFFINITY = 0, 1
EVENT_KINDS = ("election", "coup", "referendum", "shock")

#: Limits of a run (replicates per call, weeks per replicate), shared by the API and the CLI.
MAX_REPLICATES = 100_000_000
MAX_HORIZON_WEEKS = 100_000

INSTRUMENTS = (
    "none",
    "statement",
    "fact_finding",
    "envoy",
    "sanctions",
    "peacekeeping",
    "development",
)
NONE, STATEMENT, FACT_FINDING, ENVOY, SANCTIONS, PEACEKEEPING, DEVELOPMENT = range(len(INSTRUMENTS))
#: Readable names for tables and figure legends.
INSTRUMENT_LABELS = {
    "none": "no action",
    "statement": "statement of concern",
    "fact_finding": "fact-finding mission",
    "envoy": "envoy (mediation)",
    "sanctions": "sanctions",
    "peacekeeping": "peacekeeping / political mission",
    "development": "development programme",
}


def param(
    default: Any,
    low: float,
    high: float,
    meaning: str,
    *,
    unit: str = "",
    source: str = "",
    plausible: tuple[float, float] | None = None,
) -> Any:
    """A dataclass field with its allowed range ``[low, high]`` and documentation.

    ``plausible`` is the range sampled by the sensitivity and calibration experiments; by default
    the default value halved and 1.5-fold, clipped to the allowed range.
    """
    if plausible is None and not isinstance(default, bool):
        plausible = (max(low, default * 0.5), min(high, default * 1.5))
    meta = {
        "range": (low, high),
        "plausible": plausible,
        "meaning": meaning,
        "unit": unit,
        "source": source,
    }
    return field(default=default, metadata=meta)


def check_leaf(name: str, f: dataclasses.Field, value: Any) -> None:
    """Raise SimInputError unless ``value`` fits the field's type and range."""
    if f.type in (bool, "bool"):
        if not isinstance(value, bool | np.bool_):
            raise SimInputError(name, value, "must be true or false")
        return
    low, high = f.metadata["range"]
    integer = f.type in (int, "int")
    if not integer:
        low, high = float(low), float(high)
    check_range(name, value, low, high, integer=integer)


# ---------------------------------------------------------------- instruments
@dataclass(frozen=True)
class Instrument:
    """What one instrument does while active, per week, to the parties in focus.

    Forces are scaled by the sponsor's unity, the policy's intensity and the stage table.
    Sources per instrument: docs/ODD.md section 7.4.
    """

    deploy_weeks: int = param(0, 0, 520, "weeks from decision to arrival", unit="weeks")
    duration_weeks: int = param(0, 0, 1040, "weeks active after arrival (default)", unit="weeks")
    cost_fixed: float = param(0.0, 0.0, 1e4, "stylised cost at arrival", unit="US$ million")
    cost_weekly: float = param(0.0, 0.0, 1e3, "stylised cost per active week", unit="US$ million")
    attention_pulse: float = param(0.0, 0.0, 1.0, "attention added at arrival", unit="0-1")
    attention_weekly: float = param(0.0, 0.0, 1.0, "attention added each active week", unit="0-1")
    tension_relief: float = param(0.0, 0.0, 1.0, "share of focus dyads' tension removed weekly")
    mediation: bool = param(False, 0, 1, "works dyads through the deployed mediator")
    leverage: float = param(0.0, 0.0, 5.0, "cost of violence added to pressure (x leverage)")
    capability_cut: float = param(0.0, 0.0, 1.0, "share of capability removed weekly")
    escalation_cap: float = param(0.0, 0.0, 1.0, "share of upward hazard blocked at crisis+")
    grievance_relief: float = param(0.0, 0.0, 1.0, "grievance removed weekly", unit="0-1")
    backlash: float = param(0.0, 0.0, 1.0, "grievance added weekly at stable/dispute (sanctions)")
    coercive: bool = param(
        False,
        0,
        1,
        "works by pressure, not persuasion (keeps force against "
        "hardened parties: escalation lock-in)",
    )


def _instrument(**values) -> Any:
    return field(default_factory=lambda: Instrument(**values))


@dataclass(frozen=True)
class InstrumentTable:
    """One :class:`Instrument` per preventive instrument (``none`` does nothing)."""

    statement: Instrument = _instrument(
        duration_weeks=4, cost_fixed=0.05, attention_pulse=0.6, attention_weekly=0.03
    )
    fact_finding: Instrument = _instrument(
        deploy_weeks=3,
        duration_weeks=12,
        cost_fixed=1.0,
        cost_weekly=0.1,
        attention_pulse=0.4,
        attention_weekly=0.04,
        tension_relief=0.02,
    )
    envoy: Instrument = _instrument(
        deploy_weeks=1,
        duration_weeks=52,
        cost_fixed=0.2,
        cost_weekly=0.06,
        attention_pulse=0.02,
        attention_weekly=0.005,
        mediation=True,
    )
    sanctions: Instrument = _instrument(
        deploy_weeks=8,
        duration_weeks=52,
        cost_fixed=1.0,
        cost_weekly=0.2,
        attention_pulse=0.1,
        leverage=0.05,
        capability_cut=0.015,
        backlash=0.004,
        coercive=True,
    )
    peacekeeping: Instrument = _instrument(
        deploy_weeks=26,
        duration_weeks=104,
        cost_fixed=50.0,
        cost_weekly=15.0,
        attention_pulse=0.3,
        attention_weekly=0.02,
        tension_relief=0.01,
        leverage=0.3,
        escalation_cap=0.7,
        grievance_relief=0.001,
        coercive=True,
    )
    development: Instrument = _instrument(
        deploy_weeks=12, duration_weeks=156, cost_fixed=5.0, cost_weekly=2.0, grievance_relief=0.004
    )


@dataclass(frozen=True)
class StageEffect:
    """Share of an instrument's force that survives at the stage it meets (1 = full force)."""

    stable: float = param(1.0, 0.0, 2.0, "share of force at stage stable")
    dispute: float = param(1.0, 0.0, 2.0, "share of force at stage dispute")
    crisis: float = param(1.0, 0.0, 2.0, "share of force at stage crisis")
    violence: float = param(1.0, 0.0, 2.0, "share of force at stage violence")
    war: float = param(1.0, 0.0, 2.0, "share of force at stage war")

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, s) for s in STAGE_NAMES)


def _stages(*values: float) -> Any:
    return field(default_factory=lambda: StageEffect(*values))


@dataclass(frozen=True)
class StageTable:
    """How much force survives per instrument and stage. Early-stage tools lose force as stages
    rise; coercive tools gain it (para 14). Envoy: Bercovitch 1996 (64% vs 39%)."""

    statement: StageEffect = _stages(1.0, 1.0, 0.6, 0.25, 0.1)
    fact_finding: StageEffect = _stages(1.0, 1.0, 0.7, 0.3, 0.1)
    envoy: StageEffect = _stages(1.0, 1.0, 0.9, 0.6, 0.2)
    sanctions: StageEffect = _stages(0.3, 0.5, 0.8, 1.0, 0.8)
    peacekeeping: StageEffect = _stages(0.5, 0.7, 1.0, 1.0, 0.8)
    development: StageEffect = _stages(1.0, 0.8, 0.5, 0.2, 0.1)


# ---------------------------------------------------------------- structural assumptions
def switch(meaning: str, source: str) -> Any:
    """A mechanism switch: on by default; ``model.mechanisms.<name>=false`` removes it."""
    return field(
        default=True,
        metadata={
            "range": (0, 1),
            "plausible": None,
            "meaning": meaning,
            "unit": "on/off",
            "source": source,
        },
    )


@dataclass(frozen=True)
class Mechanisms:
    """Every structural assumption that can be switched off (docs/ODD.md section 7.7)."""

    escalation_lock_in: bool = switch(
        "time at crisis or above hardens a party: persuasion loses force, grievance and "
        "capability build up",
        "Glasl 1982; Regan & Stam 2000",
    )
    ripeness: bool = switch(
        "a mutually hurting stalemate (both sides of a dyad worn by violence) raises the "
        "acceptance of mediation",
        "Zartman 2000; Greig 2001",
    )
    war_weariness: bool = switch(
        "accumulated hurt lowers the pressure to fight on, so episodes end",
        "Zartman 2000 (hurting stalemate); Collier, Hoeffler & Soderbom 2004",
    )
    sanctions_backlash: bool = switch(
        "sanctions met at low stages add grievance (rally round the flag)",
        "Galtung 1967; Wood 2008; Peksen 2009",
    )
    attention_deterrence: bool = switch(
        "international attention lowers the pressure to escalate (signals of sustained focus)",
        "S/2011/552 paras 47, 66",
    )
    contagion: bool = switch(
        "kin across borders in violence raise a party's pressure and grievance",
        "S/2011/552 paras 19, 24; Buhaug & Gleditsch 2008",
    )
    warning_targeting: bool = switch(
        "response capacity is limited: the action addresses the conflict system the first "
        "warning points at, not every warned party",
        "S/2011/552 paras 47, 61-64",
    )
    false_alarm_cost: bool = switch(
        "warnings that prove false erode the credibility, hence the force, of the response",
        "Breznitz 1984; S/2011/552 paras 44, 61",
    )


# ---------------------------------------------------------------- the parameters
@dataclass(frozen=True)
class Parameters:
    """Mechanism constants shared by all scenarios (one week per step), and the two tables.

    Build with keywords (``Parameters(tension_decay=0.05)``) or from a mapping of dotted
    overrides (:meth:`replace`, :func:`as_parameters`). Sources: docs/ODD.md section 7.
    """

    # tension on rivalry dyads
    tension_drift: float = param(0.0278, 0, 1, "weekly tension rise per unit mean grievance")
    tension_decay: float = param(0.04, 0, 1, "weekly share of tension that dissipates")
    incident_rate: float = param(0.0352, 0, 1, "weekly incident probability at tension 0.5")
    incident_size: float = param(0.12, 0, 1, "largest tension jump from one incident")
    violence_tension_boost: float = param(
        0.06, 0, 1, "extra weekly drift while a party is in violence or war"
    )
    # stage transitions
    escalation_rate: float = param(0.137, 0, 1, "highest weekly probability of a step up")
    deescalation_rate: float = param(0.0814, 0, 1, "highest weekly probability of a step down")
    hazard_slope: float = param(15.0, 0.1, 100, "steepness of the logistic hazard in pressure")
    threshold_dispute: float = param(
        0.35, 0, 1, "pressure of half-rate stable -> dispute", plausible=(0.25, 0.45)
    )
    threshold_crisis: float = param(
        0.55, 0, 1, "pressure of half-rate dispute -> crisis", plausible=(0.46, 0.62)
    )
    threshold_violence: float = param(
        0.651, 0, 1, "pressure of half-rate crisis -> violence", plausible=(0.63, 0.8)
    )
    threshold_war: float = param(
        0.90, 0, 1, "pressure of half-rate violence -> war", plausible=(0.82, 0.98)
    )
    hysteresis: float = param(0.106, 0, 1, "pressure drop below a threshold to step down")
    weight_tension: float = param(0.845, 0, 5, "pressure per unit of highest dyad tension")
    weight_grievance: float = param(0.167, 0, 5, "pressure per unit grievance")
    weight_contagion: float = param(
        0.35, 0, 5, "pressure per unit share of kin in violence", source="S/2011/552 paras 19, 24"
    )
    weight_history: float = param(
        0.162, 0, 5, "pressure for a history of violence", source="S/2011/552 para 29"
    )
    weight_capability: float = param(0.10, 0, 5, "pressure per unit capability")
    weight_will: float = param(
        0.25, 0, 5, "pressure removed per unit will to settle", source="S/2011/552 para 41"
    )
    # slow variables
    grievance_recovery: float = param(0.01, 0, 1, "weekly return of grievance to baseline")
    violence_grievance: float = param(0.01, 0, 1, "weekly grievance added in violence or war")
    attention_decay: float = param(0.04, 0, 1, "weekly share of attention lost")
    attention_deterrence_weight: float = param(
        0.371, 0, 5, "pressure removed per unit attention", source="S/2011/552 para 47"
    )
    capability_recovery: float = param(0.02, 0, 1, "weekly return of capability to baseline")
    # mediation
    mediation_success: float = param(0.304, 0, 1, "weekly success probability, perfect mediator")
    mediation_tension_cut: float = param(0.5, 0, 1, "share of dyad tension removed by a success")
    mediation_grievance_cut: float = param(0.02, 0, 1, "grievance removed by a success")
    settle_bonus: float = param(0.35, 0, 1, "weekly step-down probability added after a success")
    unity_floor: float = param(
        0.0,
        0,
        1,
        "share of force left to a divided sponsor",
        source="S/2011/552 para 16",
        plausible=(0.0, 0.3),
    )
    # early warning
    indicator_tension_weight: float = param(0.7, 0, 1, "indicator weight of tension vs grievance")
    observation_noise: float = param(0.181, 0, 5, "noise sd of an observer of quality 0")
    warning_persistence_weeks: int = param(
        2, 1, 52, "weeks above threshold before a warning", unit="weeks", plausible=(1, 4)
    )
    calm_stage: int = param(1, 0, CRISIS, "highest stage counted as calm", plausible=(0, 2))
    # escalation lock-in
    lock_in_rate: float = param(
        0.0165, 0, 1, "weekly hardening at crisis or above", source="Glasl 1982"
    )
    lock_in_decay: float = param(0.01, 0, 1, "weekly share of hardening lost below crisis")
    lock_in_resistance: float = param(0.8, 0, 1, "share of persuasive force lost when fully hard")
    lock_in_grievance: float = param(0.004, 0, 1, "weekly grievance added per unit hardening")
    lock_in_mobilisation: float = param(0.004, 0, 1, "weekly capability gain per unit hardening")
    # hurt: ripeness and war weariness
    hurt_rate: float = param(0.00612, 0, 1, "weekly hurt accumulated in violence or war")
    hurt_decay: float = param(0.00436, 0, 1, "weekly share of hurt lost out of violence")
    ripeness_gain: float = param(
        1.75, 0, 10, "mediation success multiplied by 1 + gain x mutual hurt", source="Zartman 2000"
    )
    weight_weariness: float = param(1.18, 0, 5, "pressure removed per unit hurt")
    # cross-border contagion
    contagion_grievance: float = param(
        0.005,
        0,
        1,
        "weekly grievance per unit share of kin in violence",
        source="S/2011/552 paras 19, 24",
    )
    # costly warnings
    false_alarm_window: int = param(
        26,
        1,
        520,
        "weeks after which a warning on a party that has not reached crisis counts as false",
        unit="weeks",
    )
    false_alarm_credibility: float = param(
        0.15, 0, 10, "force divided by 1 + this x false alarms so far"
    )
    mechanisms: Mechanisms = field(default_factory=Mechanisms)
    # the tables
    instruments: InstrumentTable = field(default_factory=InstrumentTable)
    stage_effect: StageTable = field(default_factory=StageTable)

    def __post_init__(self) -> None:
        for name, cls in (
            ("instruments", InstrumentTable),
            ("stage_effect", StageTable),
            ("mechanisms", Mechanisms),
        ):
            if not isinstance(getattr(self, name), cls):
                raise SimInputError(
                    f"model.{name}", getattr(self, name), f"must be a sim.params.{cls.__name__}"
                )
        for name, f, value in iter_fields(self):
            check_leaf(f"model.{name}", f, value)
        total = self.escalation_rate + self.deescalation_rate + self.settle_bonus
        if total > 1.0:
            raise SimInputError(
                "model.escalation_rate+deescalation_rate+settle_bonus",
                total,
                "must be at most 1 so that transition probabilities stay in [0, 1]",
            )
        thresholds = self.thresholds()
        if any(b <= a for a, b in zip(thresholds, thresholds[1:], strict=False)):
            raise SimInputError(
                "model.threshold_*", thresholds, "thresholds must increase with the stage"
            )

    def thresholds(self) -> tuple[float, float, float, float]:
        """Pressure thresholds of the steps up from stable, dispute, crisis and violence."""
        return (
            self.threshold_dispute,
            self.threshold_crisis,
            self.threshold_violence,
            self.threshold_war,
        )

    def instrument(self, name: str) -> Instrument:
        """The instrument's row of the table (``none``: an instrument that does nothing)."""
        return Instrument() if name == "none" else getattr(self.instruments, name)

    def stage_row(self, name: str) -> tuple[float, ...]:
        return (0.0,) * N_STAGES if name == "none" else getattr(self.stage_effect, name).as_tuple()

    def replace(self, overrides: Mapping[str, Any]) -> Parameters:
        """A copy with dotted overrides, e.g. ``{"instruments.envoy.deploy_weeks": 4}``."""
        return as_parameters(overrides, base=self)

    def flat(self) -> dict[str, Any]:
        """Every leaf value by dotted name (``instruments.envoy.deploy_weeks`` ...)."""
        return {name: value for name, _, value in iter_fields(self)}


def iter_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, dataclasses.Field, Any]]:
    """``(dotted name, field, value)`` of every leaf of a nested parameter dataclass."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            yield from iter_fields(value, f"{prefix}{f.name}.")
        else:
            yield f"{prefix}{f.name}", f, value


def as_parameters(
    value: Parameters | Mapping[str, Any] | None, base: Parameters | None = None
) -> Parameters:
    """Accept ``Parameters``, ``None`` (defaults) or a mapping of overrides, nested
    (``{"instruments": {"envoy": {...}}}``) or dotted (``{"instruments.envoy.deploy_weeks": 4}``).
    """
    base = base if base is not None else Parameters()
    if value is None:
        return base
    if isinstance(value, Parameters):
        return value
    if not isinstance(value, Mapping):
        raise SimInputError(
            "params",
            type(value).__name__,
            "must be sim.Parameters or a mapping of parameter overrides",
        )
    return _apply(base, dict(value), "")


def _apply(obj: Any, overrides: dict[str, Any], prefix: str) -> Any:
    nested: dict[str, dict[str, Any]] = {}
    direct: dict[str, Any] = {}
    names = {f.name: f for f in dataclasses.fields(obj)}
    for key, v in overrides.items():
        head, _, rest = str(key).partition(".")
        if head not in names:
            raise SimInputError(
                f"model.{prefix}{head}", v, f"unknown parameter; allowed: {', '.join(names)}"
            )
        child = getattr(obj, head)
        if dataclasses.is_dataclass(child):
            sub = {rest: v} if rest else v
            if not isinstance(sub, Mapping):
                raise SimInputError(f"model.{prefix}{head}", v, "must be a mapping of fields")
            nested.setdefault(head, {}).update(sub)
        elif rest:
            raise SimInputError(f"model.{prefix}{key}", v, f"'{head}' has no fields")
        else:
            direct[head] = v
    for head, sub in nested.items():
        direct[head] = _apply(getattr(obj, head), sub, f"{prefix}{head}.")
    return _rebuild(obj, direct, prefix)


def _rebuild(obj: Any, changes: dict[str, Any], prefix: str) -> Any:
    try:
        return dataclasses.replace(obj, **changes)
    except TypeError as e:  # a wrong type for a nested table, say
        raise SimInputError(f"model.{prefix.rstrip('.')}", changes, str(e)) from None


# ---------------------------------------------------------------- the kernels' view
def _dtype_of(f: dataclasses.Field) -> Any:
    return {bool: np.bool_, "bool": np.bool_, int: np.int64, "int": np.int64}.get(
        f.type, np.float64
    )


_SCALARS = tuple(f for f in dataclasses.fields(Parameters) if "range" in f.metadata)
_SWITCHES = dataclasses.fields(Mechanisms)
#: Record layout the kernels read: every scalar parameter and every mechanism switch by name,
#: plus the thresholds by stage.
PARAMS_DTYPE = np.dtype(
    [(f.name, _dtype_of(f)) for f in _SCALARS + _SWITCHES]
    + [("threshold", np.float64, (N_STAGES - 1,))]
)
INSTRUMENT_DTYPE_FIELDS = [(f.name, _dtype_of(f)) for f in dataclasses.fields(Instrument)]


def kernel_params(p: Parameters) -> np.ndarray:
    """The parameters as a one-element record array (``params[0].tension_decay`` in kernels)."""
    rec = np.zeros(1, PARAMS_DTYPE)
    for f in _SCALARS:
        rec[0][f.name] = getattr(p, f.name)
    for f in _SWITCHES:
        rec[0][f.name] = getattr(p.mechanisms, f.name)
    rec[0]["threshold"] = p.thresholds()
    return rec
