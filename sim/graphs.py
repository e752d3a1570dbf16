"""Scenario networks in and out as networkx graphs, GraphML files and edge lists.

A scenario's parties are the nodes (id = party name; attributes ``kind``, ``grievance``,
``capability``, ``will_to_settle``, ``history_of_violence``, ``stage``, ``attention``,
``organisation``) and its relations the edges (``kind`` rivalry/affinity, ``tension``): the
keys of a scenario file's ``parties`` and ``relations`` entries (``docs/scenarios.md``).
Mediators, organisations, events and the UN's values are not part of a graph; importing takes
them from a base scenario.

* :func:`scenario_to_graph` / :func:`graph_to_records`: a Scenario as a graph, a graph as the
  scenario file's ``parties`` and ``relations`` records (checked when the scenario is built);
* :func:`write_graph` / :func:`read_graph`: GraphML (``.graphml``) or a whitespace-separated
  edge list (any other suffix; lines ``a b [kind [tension]]``, ``#`` comments), errors naming the
  file and the line.

A researcher's own graph may carry other attributes (``label``, ``weight``, coordinates...):
they are ignored. Missing attributes take the defaults of ``sim.scenario.RECORD_DEFAULTS``.

Example:
    >>> from sim.scenarios_io import load_scenario
    >>> g = scenario_to_graph(load_scenario("two_party"))
    >>> sorted(g.nodes), g.edges["gov", "opposition"]["kind"]
    (['gov', 'opposition'], 'rivalry')
    >>> records = graph_to_records(g)
    >>> [p["id"] for p in records["parties"]], records["relations"][0]["between"]
    (['gov', 'opposition'], ['gov', 'opposition'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import networkx as nx

from .errors import SimInputError
from .params import PARTY_KINDS, RELATION_KINDS, STAGE_NAMES
from .scenario import RECORD_DEFAULTS, RECORD_KEYS, Scenario

#: Node attributes a graph carries for a party (the party record's keys other than ``id``).
PARTY_ATTRIBUTES = tuple(k for k in RECORD_KEYS["parties"] if k != "id")
#: Edge attributes a graph carries for a relation.
RELATION_ATTRIBUTES = ("kind", "tension")
GRAPHML_SUFFIXES = (".graphml", ".xml")


# ---------------------------------------------------------------- Scenario <-> graph
def scenario_to_graph(scenario: Scenario) -> nx.Graph:
    """The scenario's parties and relations as an undirected networkx graph.

    Graph attributes: ``name``, ``description`` and the UN's values (``un_unity``, ...).
    """
    g = nx.Graph(name=scenario.name, description=scenario.description)
    for key in ("un_unity", "un_leverage", "un_warning_quality", "un_warning_threshold"):
        g.graph[key] = float(getattr(scenario, key))
    for i in range(scenario.n_parties):
        org = int(scenario.organisation[i])
        g.add_node(
            scenario.party_name(i),
            kind=PARTY_KINDS[int(scenario.party_kind[i])],
            grievance=float(scenario.grievance[i]),
            capability=float(scenario.capability[i]),
            will_to_settle=float(scenario.will_to_settle[i]),
            history_of_violence=bool(scenario.history[i]),
            stage=STAGE_NAMES[int(scenario.stage[i])],
            attention=float(scenario.attention[i]),
            organisation=scenario.organisation_names[org] if org >= 0 else "",
        )
    for r in range(scenario.n_relations):
        g.add_edge(
            scenario.party_name(int(scenario.src[r])),
            scenario.party_name(int(scenario.dst[r])),
            kind=RELATION_KINDS[int(scenario.relation_kind[r])],
            tension=float(scenario.tension[r]),
        )
    return g


def graph_to_records(graph: nx.Graph) -> dict[str, list[dict]]:
    """``{"parties": [...], "relations": [...]}`` in the scenario file's layout.

    Only the known attributes are kept (others are ignored); values are checked when the
    scenario is built (``Scenario.from_records``), naming the party or relation. A directed
    graph's edges are taken as undirected; a multigraph is refused (a pair has one relation).
    """
    if graph.is_multigraph():
        raise SimInputError("graph", type(graph).__name__, "must not be a multigraph")
    parties = [
        {"id": str(node), **_known(data, PARTY_ATTRIBUTES)} for node, data in graph.nodes(data=True)
    ]
    for party in parties:
        if party.get("organisation") in ("", None):
            party.pop("organisation", None)
    relations = [
        {"between": [str(a), str(b)], **_known(data, RELATION_ATTRIBUTES)}
        for a, b, data in graph.edges(data=True)
    ]
    for relation in relations:  # an affinity carries no tension (the file validator's rule)
        if relation.get("kind") == "affinity":
            relation.pop("tension", None)
    return {"parties": parties, "relations": relations}


def graph_to_scenario(graph: nx.Graph, base: Scenario | None = None, name: str | None = None):
    """A Scenario with the graph's parties and relations and, from ``base``, the mediators,
    organisations and UN values (the graph's ``un_*`` attributes win); no events."""
    records = graph_to_records(graph)
    base_records = scenario_records(base) if base is not None else {}
    un = dict(base_records.get("un", {}))
    for key in RECORD_KEYS["un"]:
        if f"un_{key}" in graph.graph:
            un[key] = float(graph.graph[f"un_{key}"])
    return Scenario.from_records(
        name=name or str(graph.graph.get("name") or "graph"),
        description=str(graph.graph.get("description", "")),
        parties=records["parties"],
        relations=records["relations"],
        mediators=base_records.get("mediators", []),
        organisations=base_records.get("organisations", []),
        un=un or None,
        where="graph",
    )


def scenario_records(s: Scenario) -> dict[str, Any]:
    """The mediators, organisations and UN values of a scenario as file records."""
    orgs = [
        {
            "id": s.organisation_names[k],
            "leverage": float(s.organisation_leverage[k]),
            "unity": float(s.organisation_unity[k]),
            "warning_quality": float(s.organisation_warning_quality[k]),
            "warning_threshold": float(s.organisation_warning_threshold[k]),
            "response_weeks": int(s.organisation_response_weeks[k]),
        }
        for k in range(s.n_organisations)
    ]
    mediators = [
        {
            "id": s.mediator_names[m],
            "credibility": float(s.mediator_credibility[m]),
            "capacity": int(s.mediator_capacity[m]),
            "impartiality": float(s.mediator_impartiality[m]),
            "sponsor": "un"
            if s.mediator_sponsor[m] < 0
            else s.organisation_names[s.mediator_sponsor[m]],
        }
        for m in range(s.n_mediators)
    ]
    un = {key: float(getattr(s, f"un_{key}")) for key in RECORD_KEYS["un"]}
    return {"organisations": orgs, "mediators": mediators, "un": un}


def _known(data: dict, keys: tuple[str, ...]) -> dict:
    return {k: _plain(data[k]) for k in keys if k in data}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------- files
def write_graph(graph: nx.Graph, path: str | os.PathLike) -> Path:
    """Write GraphML (``.graphml``/``.xml``) or an edge list (any other suffix), atomically."""
    from .files import atomic_path

    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix in GRAPHML_SUFFIXES:
            nx.write_graphml(graph, tmp)
        else:
            Path(tmp).write_text(edge_list_text(graph), encoding="utf-8")
    return path


def edge_list_text(graph: nx.Graph) -> str:
    """``a b kind tension`` per relation, after a comment naming the columns."""
    lines = [f"# {graph.graph.get('name', 'scenario')}: party party kind tension"]
    for a, b, data in graph.edges(data=True):
        kind = data.get("kind", RECORD_DEFAULTS["relations"]["kind"])
        tension = data.get("tension", 0.0 if kind == "affinity" else 0.1)
        lines.append(f"{a} {b} {kind} {float(tension):g}")
    return "\n".join(lines) + "\n"


def read_graph(path: str | os.PathLike) -> nx.Graph:
    """A graph from GraphML or from an edge list (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise SimInputError("graph file", str(path), "no such file")
    if path.suffix in GRAPHML_SUFFIXES:
        try:
            graph = nx.read_graphml(path)
        except Exception as e:  # noqa: BLE001 - any parse failure is the file's fault
            raise SimInputError(str(path), type(e).__name__, f"not a GraphML file: {e}") from None
        return nx.Graph(graph) if graph.is_directed() else graph
    return parse_edge_list(path.read_text(encoding="utf-8"), str(path))


def parse_edge_list(text: str, where: str = "edge list") -> nx.Graph:
    """Lines ``a b [kind [tension]]``; blank lines and ``#`` comments skipped.

    Example:
        >>> g = parse_edge_list("# rivals\\ngov rebels rivalry 0.4\\nrebels kin affinity\\n")
        >>> g.edges["gov", "rebels"]
        {'kind': 'rivalry', 'tension': 0.4}
        >>> parse_edge_list("gov\\n", "x.txt")
        Traceback (most recent call last):
        ...
        sim.errors.SimInputError: x.txt: line 1: got 'gov'; must be 'party party [kind [tension]]'
    """
    g = nx.Graph()
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        context = f"{where}: line {number}"
        if not 2 <= len(fields) <= 4:
            raise SimInputError(context, line.strip(), "must be 'party party [kind [tension]]'")
        data: dict[str, Any] = {}
        if len(fields) >= 3:
            if fields[2] not in RELATION_KINDS:
                raise SimInputError(
                    f"{context}: kind", fields[2], f"must be one of {', '.join(RELATION_KINDS)}"
                )
            data["kind"] = fields[2]
        if len(fields) == 4:
            try:
                data["tension"] = float(fields[3])
            except ValueError:
                raise SimInputError(
                    f"{context}: tension", fields[3], "must be a number in [0, 1]"
                ) from None
        g.add_edge(fields[0], fields[1], **data)
    return g


# ---------------------------------------------------------------- a picture of the network
STAGE_COLOURS = ("#4caf50", "#cddc39", "#ff9800", "#e53935", "#6a1b1a")
KIND_MARKERS = {"government": "s", "armed_group": "^", "community": "o"}


def draw_scenario(scenario: Scenario, path: str | os.PathLike, seed: int = 0) -> Path:
    """Draw the scenario's network to a PNG: parties coloured by initial stage, shaped by kind,
    labelled; rivalries red (width by tension), affinities grey dashed. The layout is seeded
    (``seed``), so the same scenario gives the same picture."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from .files import save_figure

    g = scenario_to_graph(scenario)
    pos = nx.spring_layout(g, seed=seed, k=1.5 / max(1, g.number_of_nodes()) ** 0.5)
    size = min(14.0, 6.0 + 0.25 * g.number_of_nodes())
    fig, ax = plt.subplots(figsize=(size, size * 0.8))
    _draw_edges(g, pos, ax)
    for kind, marker in KIND_MARKERS.items():
        nodes = [n for n, d in g.nodes(data=True) if d["kind"] == kind]
        colours = [STAGE_COLOURS[STAGE_NAMES.index(g.nodes[n]["stage"])] for n in nodes]
        style = {"node_size": 420, "edgecolors": "black", "linewidths": 0.6}
        nx.draw_networkx_nodes(
            g, pos, nodelist=nodes, node_color=colours, node_shape=marker, ax=ax, **style
        )
    above = {n: (x, y + 0.07) for n, (x, y) in pos.items()}  # labels clear of the markers
    nx.draw_networkx_labels(g, above, font_size=8, ax=ax, verticalalignment="bottom")
    ax.legend(handles=_legend(Line2D), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(_title(scenario), fontsize=10)
    ax.set_axis_off()
    ax.margins(x=0.18, y=0.08)  # room for the labels of the outermost parties
    out = save_figure(fig, path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return out


def _draw_edges(g: nx.Graph, pos: dict, ax) -> None:
    rivalry = [(a, b) for a, b, d in g.edges(data=True) if d["kind"] == "rivalry"]
    affinity = [(a, b) for a, b, d in g.edges(data=True) if d["kind"] == "affinity"]
    widths = [0.8 + 6.0 * g.edges[e]["tension"] for e in rivalry]
    nx.draw_networkx_edges(g, pos, edgelist=rivalry, width=widths, edge_color="#c62828", ax=ax)
    nx.draw_networkx_edges(g, pos, edgelist=affinity, width=1.2, style="dashed",
                           edge_color="#757575", ax=ax)  # fmt: skip


def _legend(Line2D) -> list:
    stages = [
        Line2D([], [], marker="o", linestyle="", markerfacecolor=c, markeredgecolor="black",
               label=f"stage: {name}")
        for name, c in zip(STAGE_NAMES, STAGE_COLOURS, strict=True)
    ]  # fmt: skip
    kinds = [
        Line2D([], [], marker=m, linestyle="", color="white", markeredgecolor="black",
               label=f"kind: {kind.replace('_', ' ')}")
        for kind, m in KIND_MARKERS.items()
    ]  # fmt: skip
    edges = [
        Line2D([], [], color="#c62828", linewidth=2.5, label="rivalry (width = tension)"),
        Line2D([], [], color="#757575", linestyle="--", label="affinity (kin)"),
    ]
    return stages + kinds + edges


def _title(s: Scenario) -> str:
    extra = []
    if s.n_mediators:
        extra.append("mediators: " + ", ".join(s.mediator_names))
    if s.n_organisations:
        extra.append("organisations: " + ", ".join(s.organisation_names))
    head = f"{s.name}: {s.n_parties} parties, {s.n_relations} relations (initial state)"
    return head + ("\n" + "; ".join(extra) if extra else "")
