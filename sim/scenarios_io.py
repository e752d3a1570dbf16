"""Scenario files: list, load and strictly validate the YAML scenarios in ``scenarios/``.

A scenario file is a YAML mapping in the layout of :meth:`sim.scenario.Scenario.from_records`
plus a required ``provenance`` block (what the scenario stands for, which paragraphs of which
source document motivate it, what is invented, and a disclaimer that it is a stylised teaching or
research scenario, not a forecast). A file with a ``generator`` block instead builds a seeded
random network with :func:`sim.networks.generated_scenario`. The format is documented key by key
in ``docs/scenarios.md``; the defaults and limits of the values are those of ``sim.scenario``
and ``sim.networks``, so a file and a scenario built in Python obey the same rules.

Files are read with YAML's safe loader only (libyaml's when available): no tag can name code to
run. Every problem is raised
as a one-line :class:`sim.errors.SimInputError` whose field names the file and the entry, e.g.
``scenarios/kenya_2008.yaml: parties[pnu_gov].grievance: got 'high'; must be a number in [0, 1]``.

Example:
    >>> "two_party" in list_scenarios() and "default" in list_scenarios()
    True
    >>> load_scenario("two_party").n_parties
    2
    >>> load_scenario("generated", n_parties=50, seed=3).n_parties
    50
    >>> s = load_scenario("default")
    >>> load_scenario(s) is s
    True
"""

from __future__ import annotations

import functools
import gc
import os
import re
import stat
from pathlib import Path

import numpy as np
import yaml

from .errors import (
    SimInputError,
    check_choice,
    check_keys,
    check_list,
    check_string,
    one_line,
)
from .networks import GENERATOR_KEYS, TOPOLOGIES, generated_scenario, generator_limits
from .scenario import (
    RECORD_DEFAULTS,
    RECORD_KEYS,
    Scenario,
    check_id,
    check_value,
)

#: The repository's folder of scenario files.
SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"
_REPO_ROOT = SCENARIO_DIR.parent

#: The keys of a scenario file, of its provenance block and of each cited source. The keys of
#: the records (parties, relations, ...) are ``sim.scenario.RECORD_KEYS``; those of the
#: generator block are ``sim.networks.GENERATOR_KEYS``.
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
PROVENANCE_KEYS = ("stands_for", "sources", "invented", "disclaimer")
SOURCE_KEYS = ("file", "paragraphs")
#: Keys a hand-written scenario uses and a generated one must not (the generator draws them).
_RECORD_SECTIONS = ("parties", "relations", "mediators", "organisations", "events", "un")
_PARAGRAPH_RANGE = re.compile(r"^\s*(\d+)\s*[-\u2013]\s*(\d+)\s*$")
_NO_OVERRIDES = "only scenarios with a generator block take overrides"
#: libyaml's loader when PyYAML has it (several times faster), else the pure-Python one; both
#: construct only plain YAML types, like ``yaml.safe_load``.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Limits of a scenario file, checked before the file is built into a tree. The largest shipped
#: file is 12 KB (28 parties); a generated network of any size is a ``generator`` block of a few
#: lines. 2 MB is room for a hand-written network of ~10,000 parties and their relations.
MAX_FILE_BYTES = 2_000_000
#: Nodes (scalars, lists, mappings; an alias counts as a copy of what it names) in one file.
MAX_NODES = 500_000
#: Levels of nesting: the deepest shipped file needs 6 (top > provenance > sources > source >
#: paragraphs > number).
MAX_DEPTH = 20


# ---------------------------------------------------------------- public API
def list_scenarios() -> list[str]:
    """Names that :func:`load_scenario` accepts: every ``scenarios/*.yaml``, ``"default"`` first."""
    names = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml") if p.is_file())
    return ["default"] + [n for n in names if n != "default"]


def load_scenario(scenario: Scenario | str | os.PathLike, **overrides) -> Scenario:
    """A scenario given as a Scenario (returned as is), a name or the path of a YAML file.

    A name is the stem of a file in ``scenarios/`` (``"default"``, ``"kenya_2008"``, ...);
    anything ending in ``.yaml``/``.yml`` or containing a ``/`` is a path.

    ``overrides`` (e.g. ``n_parties=1_000_000, topology="small_world", seed=3``) replace keys of
    a file's ``generator`` block; they are an error for hand-written scenarios and for a
    Scenario object. An override whose value is None is ignored (so a CLI can pass unset
    options through). Overriding ``n_parties`` alone caps the file's ``n_regions`` and
    ``mean_degree`` at what a network of that size allows, so that e.g. ``n_parties=10`` works
    with a block written for 1000.
    """
    overrides = _given(overrides)
    if isinstance(scenario, Scenario):
        if overrides:
            raise SimInputError(
                f"{scenario.name}: overrides",
                sorted(overrides),
                "a Scenario object takes no overrides (use its replace method)",
            )
        return scenario
    return load_scenario_file(_scenario_path(scenario), **overrides)


def load_scenario_file(path: str | os.PathLike, **overrides) -> Scenario:
    """Read, validate and build the scenario in the YAML file ``path`` (see :func:`load_scenario`
    for ``overrides``)."""
    path = Path(path)
    doc = read_scenario_file(path)  # within the file's limits, checked
    try:
        return _build(doc, path, _given(overrides))
    except SimInputError as e:
        raise with_position(e, path) from None


def _build(doc: dict, path: Path, overrides: dict) -> Scenario:
    where = _where(path)
    name = doc.get("name", path.stem)
    if "generator" in doc:
        return _build_generated(doc["generator"], name, overrides, where)
    if overrides:
        raise SimInputError(f"{where}: overrides", sorted(overrides), _NO_OVERRIDES)
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
    try:
        _validate(doc, where)
    except SimInputError as e:
        raise with_position(e, path) from None
    return doc


# ---------------------------------------------------------------- where in the file
_POSITION = re.compile(r"\(line \d+, column \d+\)$")
_FIELD_STEP = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def with_position(e: SimInputError, path: Path) -> SimInputError:
    """The error with ``(line L, column C)`` of the value it names in the file appended, when
    its field (``<file>: parties[gov].grievance``) can be found in the YAML node tree. Only for
    a file that passed the limits of :func:`_read_yaml` (it is composed again, here).

    Example: ``scenarios/x.yaml: parties[gov].grievance: got 'high'; must be a number in
    [0, 1] (line 12, column 40)``. Other errors are returned as they are.
    """
    prefix = f"{_where(path)}: "
    if not e.field.startswith(prefix) or _POSITION.search(e.allowed):
        return e
    try:
        root = yaml.compose(_read_text(path, prefix), Loader=_SAFE_LOADER)
    except (yaml.YAMLError, SimInputError):
        return e
    node = _find_node(root, e.field[len(prefix) :], e.value)
    if node is None or node is root:
        return e
    mark = node.start_mark
    where = f"(line {mark.line + 1}, column {mark.column + 1})"
    return SimInputError(e.field, e.value, f"{e.allowed} {where}")


def _find_node(root, field: str, value):
    """The deepest node of ``root`` the dotted/indexed ``field`` leads to (a key it names that
    the mapping lacks stops the walk; unknown keys listed in ``value`` are pointed at)."""
    node = root
    for index, key in _FIELD_STEP.findall(field):
        found = _child(node, key.strip()) if key else _item(node, index.strip())
        if found is None:
            break
        node = found
    if isinstance(node, yaml.MappingNode) and isinstance(value, list) and value:
        for key_node, _ in node.value:  # check_keys: point at the first unknown key
            if getattr(key_node, "value", None) == str(value[0]):
                return key_node
    return node


def _child(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                return value_node
    return None


def _item(node, label: str):
    if not isinstance(node, yaml.SequenceNode):
        return None
    for item in node.value:  # an entry named by its id
        if (
            isinstance(item, yaml.MappingNode)
            and getattr(_child(item, "id"), "value", None) == label
        ):
            return item
    if label.isdigit() and int(label) < len(node.value):
        return node.value[int(label)]
    return None


def scenario_provenance(name_or_path: str | os.PathLike) -> dict:
    """The ``provenance`` block of a scenario file, given by name or path."""
    return read_scenario_file(_scenario_path(name_or_path))["provenance"]


def scenario_file(name_or_path: str | os.PathLike) -> Path:
    """The file a scenario name or path refers to (SimInputError for an unknown name)."""
    return _scenario_path(name_or_path)


def is_plain_name(name: str) -> bool:
    """True for a name a scenario file may have: letters, digits, ``_``, ``.``, ``-``."""
    return _is_plain_name(name)


# ---------------------------------------------------------------- finding and reading files
def _given(overrides: dict) -> dict:
    """The overrides that were given: None means "not set" (a CLI passes unset options).

    Numpy numbers (``np.int64(1000)``) become the Python numbers they hold.
    """
    return {
        key: value.item() if isinstance(value, np.generic) else value
        for key, value in overrides.items()
        if value is not None
    }


def _scenario_path(name_or_path) -> Path:
    """The file a scenario name or path refers to; a clear error for an unknown name."""
    path = _as_path(name_or_path)
    if path is not None:
        return path
    name = str(name_or_path)
    path = SCENARIO_DIR / f"{name}.yaml"
    if not _is_plain_name(name) or not path.is_file():
        raise SimInputError(
            "scenario",
            name,
            f"must be one of {', '.join(list_scenarios())} or a path to a .yaml file",
        )
    return path


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
    """The YAML mapping in ``path``, read within the limits of a scenario file.

    The cheap checks come first: the size (from ``stat``, before reading), then one streaming
    pass over the parser's events (:func:`_check_events`) that refuses deep nesting, too many
    nodes and recursive aliases before any tree is built. Only then is the file composed into
    nodes (once), its keys checked for duplicates and the nodes constructed into plain data.
    """
    if path.suffix not in (".yaml", ".yml"):
        raise SimInputError(where, path.suffix, "a scenario file must end in .yaml")
    text = _read_text(path, where)
    collecting = gc.isenabled()
    gc.disable()  # building up to MAX_NODES nodes with the collector on takes several times longer
    try:
        _check_events(text, where)
        loader = _SAFE_LOADER(text)
        try:
            node = loader.get_single_node()
            _check_duplicate_keys(node, where)
            doc = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        raise _yaml_error(e, where) from None
    finally:
        if collecting:
            gc.enable()
    if not isinstance(doc, dict):
        raise SimInputError(
            where,
            "empty file" if doc is None else type(doc).__name__,
            f"a scenario file must be a YAML mapping with keys {', '.join(TOP_KEYS)}",
        )
    return doc


def _read_text(path: Path, where: str) -> str:
    """The file's text, refused before reading when it is larger than ``MAX_FILE_BYTES``.

    Only a regular file is read (a directory, a pipe or a device is refused from its ``stat``),
    and at most ``MAX_FILE_BYTES + 1`` bytes of it, in case it grows while being read.
    """
    try:
        status = path.stat()
        if stat.S_ISDIR(status.st_mode):
            raise SimInputError(where, str(path), "is a directory, not a scenario file")
        if not stat.S_ISREG(status.st_mode):
            raise SimInputError(where, str(path), "is not a regular file")
        if status.st_size > MAX_FILE_BYTES:
            raise _too_big(where, status.st_size)
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SimInputError(where, str(path), "no such scenario file") from None
    except OSError as e:
        raise SimInputError(
            where, type(e).__name__, f"cannot read the file: {one_line(e)}"
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise _too_big(where, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SimInputError(
            f"{where}: byte {e.start}",
            data[e.start : e.start + 4],
            "a scenario file must be UTF-8 text (is this a binary file?)",
        ) from None


def _too_big(where: str, size: int) -> SimInputError:
    return SimInputError(
        f"{where}: file size (bytes)",
        size,
        f"must be at most {MAX_FILE_BYTES:,} (MAX_FILE_BYTES)",
    )


def _check_events(text: str, where: str) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH``, more than ``MAX_NODES`` nodes and recursive
    or undefined aliases, in one pass over the parser's events (no tree is built).

    An alias counts as a copy of what its anchor names (its nodes and its height), so a
    "billion laughs" file is refused at the first alias that takes the count over the limit.
    """
    nodes, depth = 0, 0
    open_anchors: list[str | None] = []  # one entry per open collection
    starts: list[tuple[int, int]] = []  # (nodes before it, deepest level inside it so far)
    deepest = 0
    size: dict[str, tuple[int, int]] = {}  # anchor -> (nodes, height)
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, yaml.DocumentStartEvent):
            size.clear()
        elif isinstance(event, yaml.CollectionStartEvent):
            nodes += 1
            depth += 1
            open_anchors.append(event.anchor)
            starts.append((nodes - 1, deepest))
            deepest = depth
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor = open_anchors.pop()
            before, outer_deepest = starts.pop()
            if anchor is not None:
                size[anchor] = (nodes - before, deepest - depth + 1)
            depth -= 1
            deepest = max(deepest, outer_deepest)
        elif isinstance(event, yaml.ScalarEvent):
            nodes += 1
            deepest = max(deepest, depth + 1)
            if event.anchor is not None:
                size[event.anchor] = (1, 1)
        elif isinstance(event, yaml.AliasEvent):
            n, height = _alias_size(event, open_anchors, size, where)
            nodes += n
            deepest = max(deepest, depth + height)
        else:
            continue
        _check_limits(nodes, deepest, event, where)


def _alias_size(event: yaml.AliasEvent, open_anchors: list, size: dict, where: str):
    line = f"{where}: line {event.start_mark.line + 1}"
    if event.anchor in open_anchors:
        raise SimInputError(
            f"{line}: alias",
            f"*{event.anchor}",
            "an alias may not refer to a node that contains it",
        )
    if event.anchor not in size:
        raise SimInputError(
            f"{line}: alias", f"*{event.anchor}", "no anchor of that name before it"
        )
    return size[event.anchor]


def _check_limits(nodes: int, deepest: int, event: yaml.Event, where: str) -> None:
    if deepest > MAX_DEPTH:
        raise SimInputError(
            f"{where}: line {event.start_mark.line + 1}: nesting depth",
            deepest,
            f"must be at most {MAX_DEPTH} (MAX_DEPTH)",
        )
    if nodes > MAX_NODES:
        raise SimInputError(
            f"{where}: line {event.start_mark.line + 1}: number of YAML nodes (aliases expanded)",
            nodes,
            f"must be at most {MAX_NODES:,} (MAX_NODES)",
        )


def _yaml_error(e: yaml.YAMLError, where: str) -> SimInputError:
    """A parser error as one line naming the line of the file, and why tags are refused."""
    if isinstance(e, yaml.reader.ReaderError):  # a character YAML does not allow, e.g. NUL
        character = e.character if isinstance(e.character, int) else ord(e.character)
        return SimInputError(
            f"{where}: character {e.position}",
            f"#x{character:04x}",
            f"{e.reason} in a YAML file (is this a binary file?)",
        )
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    line = f"line {mark.line + 1}" if mark is not None else "YAML"
    problem = getattr(e, "problem", None) or str(e)
    context = getattr(e, "context", None)
    if context and context != problem:
        problem = f"{context}: {problem}"
    if isinstance(e, yaml.constructor.ConstructorError):
        allowed = (
            "tags such as !!python/object are not allowed (scenario files are read "
            "with YAML's safe loader: plain mappings, lists, strings, numbers, booleans)"
        )
    else:
        allowed = "invalid YAML syntax"
    return SimInputError(f"{where}: {line}", one_line(problem), allowed)


def _check_duplicate_keys(node, where: str) -> None:
    """PyYAML keeps the last of two equal keys silently; a scenario file may not repeat one.

    Aliases make the nodes a graph, not a tree: each node is visited once.
    """
    stack = [node] if node is not None else []
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        if isinstance(n, yaml.MappingNode):
            _check_unique_keys(n, where)
            stack.extend(value for _, value in n.value)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)


def _check_unique_keys(mapping: yaml.MappingNode, where: str) -> None:
    seen = set()
    for key, _ in mapping.value:
        if isinstance(key, yaml.ScalarNode):
            if key.value in seen:
                raise SimInputError(
                    f"{where}: line {key.start_mark.line + 1}",
                    key.value,
                    "duplicate key in a mapping",
                )
            seen.add(key.value)


# ---------------------------------------------------------------- validation, section by section
def _validate(doc: dict, where: str) -> None:
    """Check keys, types, ranges and references; raise SimInputError on the first problem."""
    check_keys(f"{where}: top level", doc, TOP_KEYS)
    _validate_header(doc, where)
    if "generator" in doc:
        _validate_generator(doc, where)
        return
    _validate_parties_present(doc, where)
    organisations = _validate_organisations(doc, where)  # first: the others refer to them
    parties = _validate_parties(doc, where, organisations)
    _validate_relations(doc, where, parties)
    _validate_mediators(doc, where, organisations)
    _validate_events(doc, where, parties)
    _validate_un(doc, where)


def _validate_header(doc: dict, where: str) -> None:
    if "name" in doc:
        check_string(f"{where}: name", doc["name"])
    if "description" in doc:
        check_string(f"{where}: description", doc["description"], empty=True)
    if "provenance" not in doc:
        raise SimInputError(
            f"{where}: provenance",
            None,
            f"a scenario file needs a provenance block with keys {', '.join(PROVENANCE_KEYS)}",
        )
    _validate_provenance(doc["provenance"], f"{where}: provenance")


def _validate_generator(doc: dict, where: str) -> None:
    present = [key for key in _RECORD_SECTIONS if key in doc]
    if present:
        raise SimInputError(
            f"{where}: generator",
            present,
            "a file with a generator block takes no parties, relations, mediators, "
            "organisations, events or un (the generator draws them)",
        )
    check_keys(f"{where}: generator", doc["generator"], GENERATOR_KEYS)


def _validate_parties_present(doc: dict, where: str) -> None:
    if "parties" not in doc:
        raise SimInputError(
            f"{where}: parties", None, "a scenario file needs 'parties' (or a 'generator' block)"
        )
    if not doc["parties"]:
        raise SimInputError(f"{where}: parties", doc["parties"], "must list at least one party")


def _entries(doc: dict, section: str, where: str) -> list[tuple[dict, str]]:
    """The records of ``doc[section]`` with the context that names each in errors.

    Checks that each is a mapping with only the allowed keys and, for records with ids, that
    the id is there, usable and unique (ids are normalised to strings in ``doc``). Records
    with ids are named by id (``parties[gov]``), the others by position (``relations[3]``).
    """
    records = check_list(f"{where}: {section}", doc.get(section, []), "mappings")
    named = "id" in RECORD_KEYS[section]
    entries, first_with_id = [], {}
    for i, record in enumerate(records):
        context = f"{where}: {section}[{_label(record, i) if named else i}]"
        check_keys(context, record, RECORD_KEYS[section])
        if named:
            _normalise_id(record, context, section, first_with_id, i)
        entries.append((record, context))
    return entries


def _label(record, i: int):
    """How an entry is named in errors: its id when it has a usable one, else its position."""
    value = record.get("id") if isinstance(record, dict) else None
    usable = not isinstance(value, bool) and isinstance(value, str | int) and str(value).strip()
    return value if usable else i


def _normalise_id(record: dict, context: str, section: str, first_with_id: dict, i: int) -> None:
    if "id" not in record:
        raise SimInputError(f"{context}.id", None, f"every entry of '{section}' needs an id")
    record["id"] = check_id(f"{context}.id", record["id"])
    if record["id"] in first_with_id:
        raise SimInputError(
            f"{context}.id",
            record["id"],
            f"ids must be unique ({section}[{first_with_id[record['id']]}] has it too)",
        )
    first_with_id[record["id"]] = i


def _check_values(section: str, record: dict, context: str) -> None:
    """Check the plain values (numbers, labels, flags) a record sets."""
    for key, value in record.items():
        if key in RECORD_DEFAULTS[section]:
            check_value(section, key, value, f"{context}.{key}")


def _reference(value, field_name: str, known, allowed: str) -> str:
    """An id that must name something defined in the file (a party, an organisation...)."""
    ref = check_id(field_name, value)
    if ref not in known:
        raise SimInputError(field_name, value, allowed)
    return ref


def _validate_organisations(doc: dict, where: str) -> set[str]:
    for record, context in _entries(doc, "organisations", where):
        if record["id"] == "un":
            raise SimInputError(f"{context}.id", "un", "'un' is reserved for the United Nations")
        _check_values("organisations", record, context)
    return {record["id"] for record in doc.get("organisations", [])}


def _validate_parties(doc: dict, where: str, organisations: set[str]) -> set[str]:
    for record, context in _entries(doc, "parties", where):
        _check_values("parties", record, context)
        if record.get("organisation") is not None:
            record["organisation"] = _reference(
                record["organisation"],
                f"{context}.organisation",
                organisations,
                "must name an organisation defined in 'organisations'",
            )
    return {record["id"] for record in doc["parties"]}


def _party_reference(value, field_name: str, parties: set[str]) -> str:
    return _reference(value, field_name, parties, "must name a party defined in 'parties'")


def _validate_relations(doc: dict, where: str, parties: set[str]) -> None:
    first_of_pair: dict[frozenset, int] = {}
    for e, (record, context) in enumerate(_entries(doc, "relations", where)):
        a, b = _relation_ends(record, context, parties)
        pair = frozenset((a, b))
        if pair in first_of_pair:
            raise SimInputError(
                f"{context}.between",
                [a, b],
                "each pair of parties may have at most "
                f"one relation (relations[{first_of_pair[pair]}] joins them already)",
            )
        first_of_pair[pair] = e
        record["between"] = [a, b]
        _check_values("relations", record, context)
        _check_affinity_without_tension(record, context)


def _relation_ends(record: dict, context: str, parties: set[str]) -> tuple[str, str]:
    if "between" not in record:
        raise SimInputError(f"{context}.between", None, "every relation needs 'between: [a, b]'")
    pair = record["between"]
    if not isinstance(pair, list) or len(pair) != 2:
        raise SimInputError(f"{context}.between", pair, "must be a list of two party ids")
    a = _party_reference(pair[0], f"{context}.between", parties)
    b = _party_reference(pair[1], f"{context}.between", parties)
    if a == b:
        raise SimInputError(
            f"{context}.between", pair, "a relation must join two different parties"
        )
    return a, b


def _check_affinity_without_tension(record: dict, context: str) -> None:
    """Tension is a property of rivalries; on an affinity tie it would mean nothing."""
    kind = record.get("kind", RECORD_DEFAULTS["relations"]["kind"])
    if kind == "affinity" and record.get("tension", 0.0) > 0.0:
        raise SimInputError(
            f"{context}.tension",
            record["tension"],
            "only rivalry relations carry tension (leave it out or 0 for an affinity tie)",
        )


def _validate_mediators(doc: dict, where: str, organisations: set[str]) -> None:
    for record, context in _entries(doc, "mediators", where):
        _check_values("mediators", record, context)
        if "sponsor" in record:
            record["sponsor"] = _reference(
                record["sponsor"],
                f"{context}.sponsor",
                organisations | {"un"},
                "must be 'un' or an organisation defined in 'organisations'",
            )


def _validate_events(doc: dict, where: str, parties: set[str]) -> None:
    for record, context in _entries(doc, "events", where):
        if "week" not in record:
            raise SimInputError(f"{context}.week", None, "every event needs a week")
        _check_values("events", record, context)
        who = record.get("parties", "all")
        if who == "all":
            continue
        if not isinstance(who, list) or not who:
            raise SimInputError(
                f"{context}.parties", who, "must be 'all' or a non-empty list of party ids"
            )
        record["parties"] = [_party_reference(p, f"{context}.parties", parties) for p in who]


def _validate_un(doc: dict, where: str) -> None:
    if "un" in doc:
        check_keys(f"{where}: un", doc["un"], RECORD_KEYS["un"])
        _check_values("un", doc["un"], f"{where}: un")


# ---------------------------------------------------------------- provenance
def _validate_provenance(provenance, context: str) -> None:
    check_keys(context, provenance, PROVENANCE_KEYS)
    for key in PROVENANCE_KEYS:
        if key not in provenance:
            raise SimInputError(
                f"{context}.{key}", None, f"provenance needs {', '.join(PROVENANCE_KEYS)}"
            )
    for key in ("stands_for", "invented", "disclaimer"):
        check_string(f"{context}.{key}", provenance[key])
    _check_disclaimer(provenance["disclaimer"], f"{context}.disclaimer")
    sources = check_list(f"{context}.sources", provenance["sources"], "{file, paragraphs}")
    for k, source in enumerate(sources):
        _validate_source(source, f"{context}.sources[{k}]")


def _check_disclaimer(disclaimer: str, field_name: str) -> None:
    """No scenario may be mistaken for a forecast about a real place."""
    text = " ".join(disclaimer.lower().split())
    if not (
        ("stylised" in text or "stylized" in text)
        and ("teaching" in text or "research" in text)
        and "not a forecast" in text
    ):
        raise SimInputError(
            field_name,
            disclaimer,
            "must say that this is a stylised teaching/research scenario, not a forecast",
        )


def _validate_source(source, context: str) -> None:
    check_keys(context, source, SOURCE_KEYS)
    if "file" not in source:
        raise SimInputError(f"{context}.file", None, "every source needs a file name")
    check_string(f"{context}.file", source["file"])
    paragraphs = check_list(
        f"{context}.paragraphs",
        source.get("paragraphs", []),
        "paragraph numbers or 'a-b' ranges",
    )
    for j, paragraph in enumerate(paragraphs):
        _check_paragraph(paragraph, f"{context}.paragraphs[{j}]")


def _check_paragraph(paragraph, field_name: str) -> None:
    """A paragraph number >= 1, or a range ``"a-b"`` with 1 <= a <= b."""
    if isinstance(paragraph, str) and (match := _PARAGRAPH_RANGE.match(paragraph)):
        if 1 <= int(match.group(1)) <= int(match.group(2)):
            return
    elif not isinstance(paragraph, bool) and isinstance(paragraph, int) and paragraph >= 1:
        return
    raise SimInputError(
        field_name, paragraph, "must be a paragraph number >= 1 or a range 'a-b' with 1 <= a <= b"
    )


def cited_paragraphs(provenance: dict, file: str) -> set[int]:
    """All paragraph numbers a provenance block cites from ``file`` (ranges expanded)."""
    cited: set[int] = set()
    for source in provenance.get("sources", []):
        if source.get("file") != file:
            continue
        for paragraph in source.get("paragraphs", []):
            if isinstance(paragraph, str):
                low, high = (int(x) for x in _PARAGRAPH_RANGE.match(paragraph).groups())
                cited.update(range(low, high + 1))
            else:
                cited.add(int(paragraph))
    return cited


# ---------------------------------------------------------------- generated scenarios
def _build_generated(generator: dict, name: str, overrides: dict, where: str) -> Scenario:
    unknown = [key for key in overrides if key not in GENERATOR_KEYS]
    if unknown:
        raise SimInputError(
            f"{where}: overrides",
            sorted(unknown),
            f"unknown override; allowed: {', '.join(GENERATOR_KEYS)}",
        )
    arguments = _fit_to_size({**generator, **overrides}, overrides)
    if "topology" in arguments:
        source = "overrides" if "topology" in overrides else "generator"
        check_choice(f"{where}: {source}.topology", arguments["topology"], TOPOLOGIES)
    try:
        return generated_scenario(**arguments, name=name)
    except SimInputError as e:
        key = e.field.split(".", 1)[-1]
        source = "overrides" if key in overrides else "generator"
        raise SimInputError(f"{where}: {source}.{key}", e.value, e.allowed) from None


def _fit_to_size(arguments: dict, overrides: dict) -> dict:
    """Shrink the file's n_regions and mean_degree when only n_parties is overridden.

    They were chosen for the file's own n_parties; a smaller network may not allow them.
    """
    n = overrides.get("n_parties")
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        return arguments  # generated_scenario reports a bad n_parties
    limits = generator_limits(n)
    for key in ("n_regions", "mean_degree"):
        value = arguments.get(key)
        if key not in overrides and not isinstance(value, bool) and isinstance(value, int | float):
            arguments[key] = min(value, limits[key].high)
    return arguments


# ---------------------------------------------------------------- the default scenario
@functools.cache
def default_scenario() -> Scenario:
    """The default region: four neighbouring countries, 28 parties (``scenarios/default.yaml``).

    A stylised teaching region in which nothing is a real country; the file explains its
    choices. It is read once and the same Scenario is returned on every call (it is what the
    model and the ensemble runner use when given no scenario).
    """
    return load_scenario_file(SCENARIO_DIR / "default.yaml")
