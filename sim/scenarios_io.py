"""Scenario files: list, load and strictly validate the YAML scenarios in ``scenarios/``.

A scenario file is a YAML mapping in the layout of :meth:`sim.scenario.Scenario.from_records`
plus a required ``provenance`` block (what the scenario stands for, which paragraphs of which
source document motivate it, what is invented, and a disclaimer that it is a stylised teaching or
research scenario, not a forecast). A file with a ``generator`` block instead builds a seeded
random network with :func:`sim.scenario.generated_scenario`. The format is documented key by key
in ``docs/scenarios.md``.

Files are read with ``yaml.safe_load`` only: no tag can name code to run. Every problem is raised
as a one-line :class:`sim.errors.SimInputError` whose field names the file and the entry, e.g.
``scenarios/kenya_2008.yaml: parties[pnu_gov].grievance: got 'high'; must be a number in [0, 1]``.

Example:
    >>> "two_party" in list_scenarios() and "default" in list_scenarios()
    True
    >>> load_scenario("two_party").n_parties
    2
    >>> load_scenario("generated", n_parties=50, seed=3).n_parties
    50
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import yaml

from .errors import SimInputError
from .params import EVENT_KINDS, PARTY_KINDS, RELATION_KINDS, STAGE_NAMES
from .scenario import TOPOLOGIES, Scenario, default_scenario, generated_scenario

#: The repository's folder of scenario files.
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_REPO_ROOT = SCENARIO_DIR.parent

# ---------------------------------------------------------------- the allowed keys, per level
TOP_KEYS = (
    "name",
    "description",
    "provenance",
    "parties",
    "relations",
    "mediators",
    "organisations",
    "events",
    "un",
    "generator",
)
PARTY_KEYS = (
    "id",
    "kind",
    "grievance",
    "capability",
    "will_to_settle",
    "history_of_violence",
    "stage",
    "organisation",
    "attention",
)
RELATION_KEYS = ("between", "kind", "tension")
MEDIATOR_KEYS = ("id", "credibility", "capacity", "impartiality", "sponsor")
ORGANISATION_KEYS = (
    "id",
    "leverage",
    "unity",
    "warning_quality",
    "warning_threshold",
    "response_weeks",
)
EVENT_KEYS = ("week", "kind", "parties", "tension_shock", "grievance_shock")
UN_KEYS = ("unity", "leverage", "warning_quality", "warning_threshold")
PROVENANCE_KEYS = ("stands_for", "sources", "invented", "disclaimer")
SOURCE_KEYS = ("file", "paragraphs")
GENERATOR_KEYS = ("topology", "n_parties", "mean_degree", "n_regions", "rivalry_share", "seed")
#: Keys a hand-written scenario uses and a generated one must not (the generator draws them).
_RECORD_KEYS = ("parties", "relations", "mediators", "organisations", "events", "un")

_PARTY_UNIT = ("grievance", "capability", "will_to_settle", "attention")
_MEDIATOR_UNIT = ("credibility", "impartiality")
_ORG_UNIT = ("leverage", "unity", "warning_quality", "warning_threshold")
_MAX_CAPACITY = 1000  # dyads a mediator can work at once (the Scenario check)
_MAX_RESPONSE_WEEKS = 520
_MAX_EVENT_WEEK = 10_000
_PARAGRAPH_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")


# ---------------------------------------------------------------- public API
def list_scenarios() -> list[str]:
    """Names that :func:`load_scenario` accepts: ``"default"`` and every ``scenarios/*.yaml``."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if p.is_file())
    return ["default"] + [n for n in names if n != "default"]


def load_scenario(name_or_path: str | os.PathLike, **overrides) -> Scenario:
    """Load a scenario by name (``"default"``, or ``scenarios/<name>.yaml``) or by a file path.

    ``overrides`` (e.g. ``n_parties=1_000_000, topology="small_world", seed=3``) replace keys of
    a file's ``generator`` block; they are an error for hand-written scenarios. An override whose
    value is None is ignored (so a CLI can pass unset options through). Overriding ``n_parties``
    alone caps the file's ``n_regions`` at ``n_parties // 2`` and its ``mean_degree`` at
    ``n_parties - 1``, so that e.g. ``n_parties=10`` works with a block written for 1000.
    """
    overrides = {k: v for k, v in overrides.items() if v is not None}
    path = _as_path(name_or_path)
    if path is None:
        name = str(name_or_path)
        if name == "default" and not (SCENARIO_DIR / "default.yaml").is_file():
            if overrides:
                raise SimInputError(
                    "default: overrides",
                    sorted(overrides),
                    "only scenarios with a generator block take overrides",
                )
            return default_scenario()
        path = SCENARIO_DIR / f"{name}.yaml"
        if not _is_plain_name(name) or not path.is_file():
            raise SimInputError(
                "scenario",
                name,
                f"must be one of {', '.join(list_scenarios())} or a path to a .yaml file",
            )
    return load_scenario_file(path, **overrides)


def load_scenario_file(path: str | os.PathLike, **overrides) -> Scenario:
    """Read, validate and build the scenario in the YAML file ``path`` (see :func:`load_scenario`
    for ``overrides``)."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    path = Path(path)
    where = _where(path)
    doc = read_scenario_file(path)
    name = doc.get("name", path.stem)
    if "generator" in doc:
        return _build_generated(doc["generator"], name, overrides, where)
    if overrides:
        raise SimInputError(
            f"{where}: overrides",
            sorted(overrides),
            "only scenarios with a generator block take overrides",
        )
    try:
        return Scenario.from_records(
            name=name,
            description=doc.get("description", ""),
            parties=doc["parties"],
            relations=doc.get("relations", []),
            mediators=doc.get("mediators", []),
            organisations=doc.get("organisations", []),
            events=doc.get("events", []),
            un=doc.get("un"),
            where=where,
        )
    except SimInputError as e:  # checks of Scenario itself are prefixed with the scenario name
        if e.field.startswith(where):
            raise
        raise SimInputError(f"{where}: {e.field}", e.value, e.allowed) from None


def read_scenario_file(path: str | os.PathLike) -> dict:
    """The validated contents of a scenario file as plain data (ids as strings).

    Everything :func:`load_scenario_file` checks before building is checked here, so this is
    also the way to read a file's ``provenance``.
    """
    path = Path(path)
    where = _where(path)
    doc = _read_yaml(path, where)
    _validate(doc, where)
    return doc


def scenario_provenance(name_or_path: str | os.PathLike) -> dict | None:
    """The ``provenance`` block of a scenario file (None for the built-in ``"default"``)."""
    path = _as_path(name_or_path)
    if path is None:
        name = str(name_or_path)
        path = SCENARIO_DIR / f"{name}.yaml"
        if name == "default" and not path.is_file():
            return None
        if not _is_plain_name(name) or not path.is_file():
            raise SimInputError(
                "scenario",
                name,
                f"must be one of {', '.join(list_scenarios())} or a path to a .yaml file",
            )
    return read_scenario_file(path)["provenance"]


# ---------------------------------------------------------------- reading
def _as_path(name_or_path) -> Path | None:
    """A path if the argument looks like one (a PathLike, a .yaml/.yml name or one with a /)."""
    if isinstance(name_or_path, os.PathLike):
        return Path(name_or_path)
    if not isinstance(name_or_path, str):
        raise SimInputError("scenario", name_or_path, "must be a scenario name or a file path")
    s = name_or_path
    if s.endswith((".yaml", ".yml")) or "/" in s or os.sep in s:
        return Path(s)
    return None


def _is_plain_name(name: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", name))


def _where(path: Path) -> str:
    """How errors name a file: relative to the repository if inside it, else as given."""
    try:
        return path.resolve().relative_to(_REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def _read_yaml(path: Path, where: str) -> dict:
    if path.suffix not in (".yaml", ".yml"):
        raise SimInputError(where, path.suffix, "a scenario file must end in .yaml")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SimInputError(where, str(path), "no such scenario file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SimInputError(
            where, type(e).__name__, f"cannot read the file: {_one_line(e)}"
        ) from None
    try:
        doc = yaml.safe_load(text)
        _check_duplicate_keys(yaml.compose(text, Loader=yaml.SafeLoader), where)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        line = f"line {mark.line + 1}" if mark is not None else "YAML"
        problem = getattr(e, "problem", None) or str(e)
        context = getattr(e, "context", None)
        if context and context != problem:
            problem = f"{context}: {problem}"
        if isinstance(e, yaml.constructor.ConstructorError):
            allowed = (
                "tags such as !!python/object are not allowed (scenario files are read "
                "with yaml.safe_load: plain mappings, lists, strings, numbers, booleans)"
            )
        else:
            allowed = "invalid YAML syntax"
        raise SimInputError(f"{where}: {line}", _one_line(problem), allowed) from None
    if not isinstance(doc, dict):
        raise SimInputError(
            where,
            "empty file" if doc is None else type(doc).__name__,
            f"a scenario file must be a YAML mapping with keys {', '.join(TOP_KEYS)}",
        )
    return doc


def _check_duplicate_keys(node, where: str) -> None:
    """PyYAML keeps the last of two equal keys silently; a scenario file may not repeat one."""
    if node is None:
        return
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, yaml.MappingNode):
            seen = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in seen:
                        raise SimInputError(
                            f"{where}: line {k.start_mark.line + 1}",
                            k.value,
                            "duplicate key in a mapping",
                        )
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _one_line(x) -> str:
    return " ".join(str(x).split())


# ---------------------------------------------------------------- validation
def _keys(record, allowed: tuple[str, ...], ctx: str) -> None:
    if not isinstance(record, dict):
        raise SimInputError(ctx, record, f"must be a mapping with keys {', '.join(allowed)}")
    unknown = [k for k in record if k not in allowed]
    if unknown:
        raise SimInputError(
            ctx,
            sorted(map(str, unknown)),
            f"unknown key{'s' if len(unknown) > 1 else ''}; allowed: {', '.join(allowed)}",
        )


def _list(value, ctx: str, what: str) -> list:
    if not isinstance(value, list):
        raise SimInputError(ctx, value, f"must be a list of {what}")
    return value


def _string(value, ctx: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise SimInputError(
            ctx, value, "must be a non-empty string" if not empty else "must be a string"
        )
    return value


def _ident(value, ctx: str) -> str:
    """An id: a string (or an integer, read as its decimal string)."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise SimInputError(
            ctx,
            value,
            "must be a non-empty string id (quote ids such as 'no', "
            "'on' or 'null' that YAML reads as other types)",
        )
    return str(value)


def _unit(value, ctx: str, low: float = 0.0, high: float = 1.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SimInputError(ctx, value, f"must be a number in [{low:g}, {high:g}]")
    if not math.isfinite(value) or not low <= value <= high:
        raise SimInputError(ctx, value, f"must be in [{low:g}, {high:g}]")
    return float(value)


def _int(value, ctx: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SimInputError(ctx, value, f"must be an integer in [{low}, {high}]")
    if not low <= value <= high:
        raise SimInputError(ctx, value, f"must be an integer in [{low}, {high}]")
    return value


def _choice(value, allowed: tuple[str, ...], ctx: str) -> str:
    if value not in allowed:
        raise SimInputError(ctx, value, f"must be one of {', '.join(allowed)}")
    return value


def _entries(doc: dict, key: str, keys: tuple[str, ...], where: str, *, named: bool) -> list:
    """Check the list ``doc[key]`` of mappings with allowed ``keys``; normalise ids to strings.

    Entries are named ``key[id]`` when ``named`` (and the id is usable), else ``key[index]``.
    Returns the list of entry contexts.
    """
    records = _list(doc.get(key, []), f"{where}: {key}", "mappings")
    ctxs = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(records):
        ctx = f"{where}: {key}[{i}]"
        if named:
            if isinstance(rec, dict) and "id" in rec and _usable_id(rec["id"]):
                ctx = f"{where}: {key}[{rec['id']}]"
            _keys(rec, keys, ctx)
            if "id" not in rec:
                raise SimInputError(f"{ctx}.id", None, f"every entry of '{key}' needs an id")
            rec["id"] = _ident(rec["id"], f"{ctx}.id")
            if rec["id"] in seen:
                raise SimInputError(
                    f"{ctx}.id",
                    rec["id"],
                    f"ids must be unique ({key}[{seen[rec['id']]}] has it too)",
                )
            seen[rec["id"]] = i
        else:
            _keys(rec, keys, ctx)
        ctxs.append(ctx)
    return ctxs


def _usable_id(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, str | int) and str(value).strip()


def _validate(doc: dict, where: str) -> None:
    """Check keys, types, ranges and references; raise SimInputError on the first problem."""
    _keys(doc, TOP_KEYS, f"{where}: top level")
    if "name" in doc:
        _string(doc["name"], f"{where}: name")
    if "description" in doc:
        _string(doc["description"], f"{where}: description", empty=True)
    if "provenance" not in doc:
        raise SimInputError(
            f"{where}: provenance",
            None,
            f"a scenario file needs a provenance block with keys {', '.join(PROVENANCE_KEYS)}",
        )
    _validate_provenance(doc["provenance"], f"{where}: provenance")
    if "generator" in doc:
        present = [k for k in _RECORD_KEYS if k in doc]
        if present:
            raise SimInputError(
                f"{where}: generator",
                present,
                "a file with a generator block "
                "takes no parties, relations, mediators, organisations, events "
                "or un (the generator draws them)",
            )
        _keys(doc["generator"], GENERATOR_KEYS, f"{where}: generator")
        return
    if "parties" not in doc:
        raise SimInputError(
            f"{where}: parties", None, "a scenario file needs 'parties' (or a 'generator' block)"
        )
    if not doc["parties"]:
        raise SimInputError(f"{where}: parties", doc["parties"], "must list at least one party")

    # organisations first: parties and mediators refer to them
    org_ctx = _entries(doc, "organisations", ORGANISATION_KEYS, where, named=True)
    org_ids = set()
    for rec, ctx in zip(doc.get("organisations", []), org_ctx, strict=True):
        if rec["id"] == "un":
            raise SimInputError(f"{ctx}.id", "un", "'un' is reserved for the United Nations")
        org_ids.add(rec["id"])
        for key in _ORG_UNIT:
            if key in rec:
                _unit(rec[key], f"{ctx}.{key}")
        if "response_weeks" in rec:
            _int(rec["response_weeks"], f"{ctx}.response_weeks", 0, _MAX_RESPONSE_WEEKS)

    party_ctx = _entries(doc, "parties", PARTY_KEYS, where, named=True)
    party_ids = set()
    for rec, ctx in zip(doc["parties"], party_ctx, strict=True):
        party_ids.add(rec["id"])
        if "kind" in rec:
            _choice(rec["kind"], PARTY_KINDS, f"{ctx}.kind")
        for key in _PARTY_UNIT:
            if key in rec:
                _unit(rec[key], f"{ctx}.{key}")
        if "history_of_violence" in rec and not isinstance(rec["history_of_violence"], bool):
            raise SimInputError(
                f"{ctx}.history_of_violence", rec["history_of_violence"], "must be true or false"
            )
        if "stage" in rec:
            _choice(rec["stage"], STAGE_NAMES, f"{ctx}.stage")
        if rec.get("organisation") is not None:
            ref = _ident(rec["organisation"], f"{ctx}.organisation")
            if ref not in org_ids:
                raise SimInputError(
                    f"{ctx}.organisation",
                    ref,
                    "must name an organisation defined in 'organisations'",
                )
            rec["organisation"] = ref

    def party_ref(value, ctx):
        ref = _ident(value, ctx)
        if ref not in party_ids:
            raise SimInputError(ctx, value, "must name a party defined in 'parties'")
        return ref

    rel_ctx = _entries(doc, "relations", RELATION_KEYS, where, named=False)
    pairs: dict[frozenset, int] = {}
    for e, (rec, ctx) in enumerate(zip(doc.get("relations", []), rel_ctx, strict=True)):
        if "between" not in rec:
            raise SimInputError(f"{ctx}.between", None, "every relation needs 'between: [a, b]'")
        pair = rec["between"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise SimInputError(f"{ctx}.between", pair, "must be a list of two party ids")
        a, b = party_ref(pair[0], f"{ctx}.between"), party_ref(pair[1], f"{ctx}.between")
        if a == b:
            raise SimInputError(
                f"{ctx}.between", pair, "a relation must join two different parties"
            )
        key = frozenset((a, b))
        if key in pairs:
            raise SimInputError(
                f"{ctx}.between",
                [a, b],
                "each pair of parties may have at most "
                f"one relation (relations[{pairs[key]}] joins them already)",
            )
        pairs[key] = e
        rec["between"] = [a, b]
        kind = _choice(rec.get("kind", "rivalry"), RELATION_KINDS, f"{ctx}.kind")
        if "tension" in rec:
            tension = _unit(rec["tension"], f"{ctx}.tension")
            if kind == "affinity" and tension > 0.0:
                raise SimInputError(
                    f"{ctx}.tension",
                    rec["tension"],
                    "only rivalry relations carry tension (leave it out or 0 for an affinity tie)",
                )

    med_ctx = _entries(doc, "mediators", MEDIATOR_KEYS, where, named=True)
    for rec, ctx in zip(doc.get("mediators", []), med_ctx, strict=True):
        for key in _MEDIATOR_UNIT:
            if key in rec:
                _unit(rec[key], f"{ctx}.{key}")
        if "capacity" in rec:
            _int(rec["capacity"], f"{ctx}.capacity", 1, _MAX_CAPACITY)
        if "sponsor" in rec:
            ref = _ident(rec["sponsor"], f"{ctx}.sponsor")
            if ref != "un" and ref not in org_ids:
                raise SimInputError(
                    f"{ctx}.sponsor",
                    rec["sponsor"],
                    "must be 'un' or an organisation defined in 'organisations'",
                )
            rec["sponsor"] = ref

    ev_ctx = _entries(doc, "events", EVENT_KEYS, where, named=False)
    for rec, ctx in zip(doc.get("events", []), ev_ctx, strict=True):
        if "week" not in rec:
            raise SimInputError(f"{ctx}.week", None, "every event needs a week")
        _int(rec["week"], f"{ctx}.week", 0, _MAX_EVENT_WEEK)
        if "kind" in rec:
            _choice(rec["kind"], EVENT_KINDS, f"{ctx}.kind")
        for key in ("tension_shock", "grievance_shock"):
            if key in rec:
                _unit(rec[key], f"{ctx}.{key}", -1.0, 1.0)
        who = rec.get("parties", "all")
        if who != "all":
            if not isinstance(who, list) or not who:
                raise SimInputError(
                    f"{ctx}.parties", who, "must be 'all' or a non-empty list of party ids"
                )
            rec["parties"] = [party_ref(p, f"{ctx}.parties") for p in who]

    if "un" in doc:
        _keys(doc["un"], UN_KEYS, f"{where}: un")
        for key, value in doc["un"].items():
            _unit(value, f"{where}: un.{key}")


def _validate_provenance(prov, ctx: str) -> None:
    _keys(prov, PROVENANCE_KEYS, ctx)
    for key in PROVENANCE_KEYS:
        if key not in prov:
            raise SimInputError(
                f"{ctx}.{key}", None, f"provenance needs {', '.join(PROVENANCE_KEYS)}"
            )
    for key in ("stands_for", "invented", "disclaimer"):
        _string(prov[key], f"{ctx}.{key}")
    text = " ".join(prov["disclaimer"].lower().split())
    if not (
        ("stylised" in text or "stylized" in text)
        and ("teaching" in text or "research" in text)
        and "not a forecast" in text
    ):
        raise SimInputError(
            f"{ctx}.disclaimer",
            prov["disclaimer"],
            "must say that this is a stylised teaching/research scenario, not a forecast",
        )
    for k, src in enumerate(_list(prov["sources"], f"{ctx}.sources", "{file, paragraphs}")):
        sctx = f"{ctx}.sources[{k}]"
        _keys(src, SOURCE_KEYS, sctx)
        if "file" not in src:
            raise SimInputError(f"{sctx}.file", None, "every source needs a file name")
        _string(src["file"], f"{sctx}.file")
        paragraphs = _list(
            src.get("paragraphs", []), f"{sctx}.paragraphs", "paragraph numbers or 'a-b' ranges"
        )
        for j, p in enumerate(paragraphs):
            pctx = f"{sctx}.paragraphs[{j}]"
            if isinstance(p, str) and (m := _PARAGRAPH_RANGE.match(p)):
                lo, hi = int(m.group(1)), int(m.group(2))
                if 1 <= lo <= hi:
                    continue
            elif not isinstance(p, bool) and isinstance(p, int) and p >= 1:
                continue
            raise SimInputError(
                pctx, p, "must be a paragraph number >= 1 or a range 'a-b' with 1 <= a <= b"
            )


def cited_paragraphs(provenance: dict, file: str) -> set[int]:
    """All paragraph numbers a provenance block cites from ``file`` (ranges expanded)."""
    out: set[int] = set()
    for src in provenance.get("sources", []):
        if src.get("file") != file:
            continue
        for p in src.get("paragraphs", []):
            if isinstance(p, str):
                lo, hi = (int(x) for x in _PARAGRAPH_RANGE.match(p).groups())
                out.update(range(lo, hi + 1))
            else:
                out.add(int(p))
    return out


# ---------------------------------------------------------------- generated scenarios
def _build_generated(gen: dict, name: str, overrides: dict, where: str) -> Scenario:
    unknown = [k for k in overrides if k not in GENERATOR_KEYS]
    if unknown:
        raise SimInputError(
            f"{where}: overrides",
            sorted(unknown),
            f"unknown override; allowed: {', '.join(GENERATOR_KEYS)}",
        )
    args = {**gen, **overrides}
    n = overrides.get("n_parties")
    if isinstance(n, int) and not isinstance(n, bool) and n >= 2:
        # The file's n_regions and mean_degree were chosen for its own n_parties: when only
        # n_parties is overridden, shrink them to what a smaller network allows.
        if "n_regions" not in overrides and isinstance(args.get("n_regions"), int):
            args["n_regions"] = min(args["n_regions"], max(1, n // 2))
        if "mean_degree" not in overrides and isinstance(args.get("mean_degree"), int | float):
            args["mean_degree"] = min(args["mean_degree"], float(n - 1))
    if "topology" in args:
        ctx = "overrides" if "topology" in overrides else "generator"
        _choice(args["topology"], TOPOLOGIES, f"{where}: {ctx}.topology")
    try:
        return generated_scenario(**args, name=name)
    except SimInputError as e:
        key = e.field.split(".", 1)[-1]
        ctx = "overrides" if key in overrides else "generator"
        raise SimInputError(f"{where}: {ctx}.{key}", e.value, e.allowed) from None
