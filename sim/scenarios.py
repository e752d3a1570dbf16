"""Your own scenario in minutes: ``python -m sim.scenarios new|check|show|export|import``.

::

    python -m sim.scenarios new my_region --from kenya_2008      # scenarios/my_region.yaml
    python -m sim.scenarios check my_region                      # validate, print a summary
    python -m sim.scenarios show my_region --out my_region.png   # the network as a picture
    python -m sim.scenarios export my_region --format graphml    # my_region.graphml
    python -m sim.scenarios export my_region --format edgelist   # my_region.edges
    python -m sim.scenarios import alliances.graphml --name my_net --from kenya_2008

``new`` copies a scenario file (``--from``, default ``two_party``) with its comments, under a
new name; ``import`` makes a scenario file from a researcher's graph (GraphML, or an edge list
``a b [kind [tension]]``; :mod:`sim.graphs`), taking mediators, organisations and the UN's
values from ``--from``. Both write ``scenarios/<name>.yaml`` unless ``--out`` names a path,
refuse to replace a file without ``--force``, and check the result before it is in place.
Every scenario argument is a name (``kenya_2008``) or a path (``path/to/file.yaml``); the
same file then runs with ``python -m sim scenario.file=path/to/file.yaml`` (or by name once it
is in ``scenarios/``). Bad input: one line ``error: ...`` on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from .cli_errors import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_OK, os_error_message
from .errors import SimInputError
from .files import atomic_path
from .scenario import Scenario
from .scenarios_io import SCENARIO_DIR, is_plain_name, load_scenario, scenario_file

EXPORT_SUFFIX = {"graphml": ".graphml", "edgelist": ".edges"}
DISCLAIMER = (
    "Stylised research scenario, not a forecast: it illustrates the model's mechanisms and says "
    "nothing about what would happen anywhere."
)


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line and exit status 2, like every other error."""

    def error(self, message: str):  # noqa: D102
        raise SimInputError(self.prog, " ".join(sys.argv[1:]), message)


# ---------------------------------------------------------------- commands
def new_scenario(name: str, source: str = "two_party", out: str | None = None, force=False):
    """Copy the scenario file ``source`` (name or path) to ``out`` under ``name``; the path."""
    _check_name(name)
    text = scenario_file(source).read_text(encoding="utf-8")
    load_scenario(source)  # the source itself must be valid
    header = f"# Made by: python -m sim.scenarios new {name} --from {source}\n"
    if re.search(r"^name:.*$", text, flags=re.MULTILINE):
        text = re.sub(r"^name:.*$", f"name: {name}", text, count=1, flags=re.MULTILINE)
    else:
        text = f"name: {name}\n" + text
    return _install(header + text, _target(name, out), force)


def import_graph(
    graph_file: str, name: str, base: str | None = None, out: str | None = None, force=False
):
    """Write a scenario file from a graph file (GraphML or edge list); the path."""
    import yaml

    from .graphs import graph_to_records, read_graph, scenario_records

    _check_name(name)
    graph = read_graph(graph_file)
    records = graph_to_records(graph)
    if not base and any("organisation" in party for party in records["parties"]):
        raise SimInputError(
            "--from",
            None,
            "the graph's parties name organisations: give --from a scenario "
            "that defines them (or remove the parties' organisation attribute)",
        )
    extra = scenario_records(load_scenario(base)) if base else {}
    doc = {
        "name": name,
        "description": f"Imported from {Path(graph_file).name}.",
        "provenance": {
            "stands_for": f"the network in {Path(graph_file).name}",
            "sources": [],
            "invented": "Attributes missing from the graph take the model's defaults."
            + (f" Mediators, organisations and UN values are those of {base}." if base else ""),
            "disclaimer": DISCLAIMER,
        },
        **{k: v for k, v in extra.items() if k == "organisations" and v},
        **records,
        **{k: v for k, v in extra.items() if k in ("mediators", "un") and v},
    }
    header = f"# Made by: python -m sim.scenarios import {graph_file} --name {name}\n"
    return _install(header + yaml.safe_dump(doc, sort_keys=False), _target(name, out), force)


def export_graph(scenario: str, fmt: str, out: str | None = None) -> Path:
    """Write the scenario's network as GraphML or an edge list; the path."""
    from .graphs import scenario_to_graph, write_graph

    if fmt not in EXPORT_SUFFIX:
        raise SimInputError("--format", fmt, f"must be one of {', '.join(EXPORT_SUFFIX)}")
    s = load_scenario(scenario)
    path = Path(out) if out else Path(f"{s.name}{EXPORT_SUFFIX[fmt]}")
    if fmt == "graphml" and path.suffix not in (".graphml", ".xml"):
        raise SimInputError("--out", str(path), "a GraphML file must end in .graphml or .xml")
    if fmt == "edgelist" and path.suffix in (".graphml", ".xml"):
        raise SimInputError("--out", str(path), "an edge list must not end in .graphml or .xml")
    return write_graph(scenario_to_graph(s), path)


def summary(s: Scenario) -> str:
    """One line describing a scenario."""
    return (
        f"{s.name}: {s.n_parties} parties, {s.n_relations} relations, {s.n_mediators} "
        f"mediators, {s.n_organisations} organisations, {len(s.event_week)} events"
    )


def _check_name(name: str) -> None:
    if not is_plain_name(name) or name.endswith((".yaml", ".yml")):
        raise SimInputError(
            "name", name, "must be a plain name: letters, digits, '_', '.', '-' (no path)"
        )


def _target(name: str, out: str | None) -> Path:
    path = Path(out) if out else SCENARIO_DIR / f"{name}.yaml"
    if path.suffix not in (".yaml", ".yml"):
        raise SimInputError("--out", str(path), "a scenario file must end in .yaml")
    return path


def _install(text: str, path: Path, force: bool) -> Path:
    """Check the scenario in ``text``, then write it to ``path`` atomically."""
    if path.exists() and not force:
        raise SimInputError(str(path), "exists", "pass --force to replace it")
    with tempfile.TemporaryDirectory() as tmp:
        candidate = Path(tmp) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            load_scenario(candidate)
        except SimInputError as e:  # name the file it was going to be
            raise SimInputError(
                e.field.replace(str(candidate), str(path)), e.value, e.allowed
            ) from None
    with atomic_path(path) as tmp_path:
        tmp_path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the command line
def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m sim.scenarios", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    new = sub.add_parser("new", help="a new scenario file from an existing one")
    new.add_argument("name")
    new.add_argument("--from", dest="source", default="two_party", help="name or path")
    new.add_argument("--out", help="path of the new file (default scenarios/<name>.yaml)")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    check = sub.add_parser("check", help="validate a scenario and print a summary")
    check.add_argument("scenario")
    show = sub.add_parser("show", help="draw the scenario's network to a PNG")
    show.add_argument("scenario")
    show.add_argument("--out", help="PNG path (default <name>.png)")
    show.add_argument("--seed", type=int, default=0, help="seed of the layout")
    export = sub.add_parser("export", help="the network as GraphML or an edge list")
    export.add_argument("scenario")
    export.add_argument("--format", choices=tuple(EXPORT_SUFFIX), default="graphml")
    export.add_argument("--out")
    imp = sub.add_parser("import", help="a scenario file from a GraphML file or edge list")
    imp.add_argument("graph_file")
    imp.add_argument("--name", required=True)
    imp.add_argument("--from", dest="base", help="scenario giving mediators, organisations, UN")
    imp.add_argument("--out", help="path of the new file (default scenarios/<name>.yaml)")
    imp.add_argument("--force", action="store_true")
    return parser


def run(args: argparse.Namespace) -> str:
    """Carry out a parsed command; the line to print."""
    if args.command == "new":
        return f"wrote {new_scenario(args.name, args.source, args.out, args.force)}"
    if args.command == "import":
        path = import_graph(args.graph_file, args.name, args.base, args.out, args.force)
        return f"wrote {path}"
    if args.command == "check":
        return f"ok: {summary(load_scenario(args.scenario))}"
    if args.command == "export":
        return f"wrote {export_graph(args.scenario, args.format, args.out)}"
    from .graphs import draw_scenario

    s = load_scenario(args.scenario)
    return f"wrote {draw_scenario(s, args.out or f'{s.name}.png', seed=args.seed)}"


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.scenarios ...``; returns the exit status."""
    try:
        print(run(_parser().parse_args(argv)))
    except SimInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as e:  # a folder that cannot be written, a full disk
        print(f"error: {os_error_message(e)}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
