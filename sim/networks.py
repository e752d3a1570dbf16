"""Seeded random networks of parties, for experiments at scale (10 to 1,000,000 parties and more).

:func:`generated_scenario` draws a network and every attribute from one
``numpy.random.Generator`` seeded with ``seed``: the same arguments always give the same
scenario. A scenario file with a ``generator`` block (``scenarios/generated.yaml``) builds its
scenario here. :data:`GENERATOR_DEFAULTS` and :data:`GENERATOR_LIMITS` are the one home of the
generator's defaults and ranges (the YAML loader and the Hydra config read them from here).

Example:
    >>> s = generated_scenario(50, "small_world", seed=3)
    >>> s.n_parties, s.name
    (50, 'generated_small_world_50')
    >>> bool(np.array_equal(s.src, generated_scenario(50, "small_world", seed=3).src))
    True
"""

from __future__ import annotations

import numpy as np

from .errors import Range, check_choice
from .scenario import UN, Scenario

TOPOLOGIES = ("sbm", "small_world", "scale_free")

#: The generator's keyword arguments and their defaults (the keys of a ``generator`` block).
GENERATOR_DEFAULTS = {
    "topology": "sbm",
    "n_parties": 1000,
    "mean_degree": 6.0,
    "n_regions": 10,
    "rivalry_share": 0.5,
    "seed": 0,
}
GENERATOR_KEYS = tuple(GENERATOR_DEFAULTS)

#: The widest range of each numeric generator key; :func:`generator_limits` narrows
#: ``mean_degree`` and ``n_regions`` to what a network of a given size allows.
GENERATOR_LIMITS = {
    "n_parties": Range(2, 50_000_000, integer=True),
    "mean_degree": Range(1.0, 100.0),
    "n_regions": Range(1, 25_000_000, integer=True),
    "rivalry_share": Range(0.0, 1.0),
    "seed": Range(0, 2**63 - 1, integer=True),
}

#: Shares of governments, armed groups and communities among generated parties.
_PARTY_KIND_SHARES = (0.1, 0.2, 0.7)
#: Share of an sbm network's ties inside a region; share of ring ties rewired in small_world.
_SBM_INSIDE_SHARE = 0.8
_REWIRE_SHARE = 0.1


def generator_limits(n_parties: int) -> dict[str, Range]:
    """The range of each numeric generator key for a network of ``n_parties``.

    A party has at most ``n_parties - 1`` ties, and a region needs two parties.

    >>> generator_limits(10)["n_regions"]
    Range(low=1, high=5, integer=True)
    """
    limits = dict(GENERATOR_LIMITS)
    limits["mean_degree"] = Range(1.0, min(GENERATOR_LIMITS["mean_degree"].high, n_parties - 1))
    limits["n_regions"] = Range(1, max(1, n_parties // 2), integer=True)
    return limits


def generated_scenario(
    n_parties: int = GENERATOR_DEFAULTS["n_parties"],
    topology: str = GENERATOR_DEFAULTS["topology"],
    mean_degree: float = GENERATOR_DEFAULTS["mean_degree"],
    n_regions: int = GENERATOR_DEFAULTS["n_regions"],
    rivalry_share: float = GENERATOR_DEFAULTS["rivalry_share"],
    seed: int = GENERATOR_DEFAULTS["seed"],
    name: str | None = None,
) -> Scenario:
    """A seeded random network of ``n_parties`` (10 to 1,000,000 and more).

    ``sbm``: stochastic block model of ``n_regions`` equal regions (80% of ties inside a region),
    one regional organisation per region; ``small_world``: Watts-Strogatz ring with 10% rewiring;
    ``scale_free``: Barabasi-Albert preferential attachment. Attributes are drawn from a
    ``numpy.random.Generator`` seeded with ``seed``: the same arguments give the same scenario.
    Errors name the argument as ``generated.<key>``.
    """
    _check_arguments(n_parties, topology, mean_degree, n_regions, rivalry_share, seed)
    n, n_regions = int(n_parties), int(n_regions)
    rng = np.random.default_rng(int(seed))
    region = (np.arange(n) * n_regions) // n
    src, dst = _edges(rng, topology, n, region, mean_degree, n_regions)
    # The order of the draws below is part of the output: keep it.
    party_kind = rng.choice(len(_PARTY_KIND_SHARES), size=n, p=list(_PARTY_KIND_SHARES))
    relation_kind = (rng.random(src.shape[0]) >= rivalry_share).astype(np.int64)
    return Scenario.from_arrays(
        name=name or f"generated_{topology}_{n}",
        description=f"Generated {topology} network of {n} parties (seed {seed}); not a forecast.",
        party_kind=party_kind,
        **_party_attributes(rng, n),
        src=src,
        dst=dst,
        relation_kind=relation_kind,
        tension=rng.uniform(0.0, 0.3, src.shape[0]) * (relation_kind == 0),
        **_un_mediators(),
        **_organisations(rng, topology, region, n_regions),
    )


def _check_arguments(n_parties, topology, mean_degree, n_regions, rivalry_share, seed) -> None:
    GENERATOR_LIMITS["n_parties"].check("generated.n_parties", n_parties)
    check_choice("generated.topology", topology, TOPOLOGIES)
    limits = generator_limits(int(n_parties))
    limits["mean_degree"].check("generated.mean_degree", mean_degree)
    limits["n_regions"].check("generated.n_regions", n_regions)
    limits["rivalry_share"].check("generated.rivalry_share", rivalry_share)
    limits["seed"].check("generated.seed", seed)


def _edges(rng, topology: str, n: int, region, mean_degree: float, n_regions: int):
    if topology == "sbm":
        return _sbm_edges(rng, n, region, mean_degree, n_regions)
    if topology == "small_world":
        return _small_world_edges(rng, n, mean_degree)
    return _scale_free_edges(rng, n, mean_degree)


def _party_attributes(rng, n: int) -> dict[str, np.ndarray]:
    """Grievance, capability, will to settle and history, drawn in this order."""
    return {
        "grievance": rng.beta(2.0, 4.0, n),
        "capability": rng.beta(2.0, 3.0, n),
        "will_to_settle": rng.beta(3.0, 3.0, n),
        "history": (rng.random(n) < 0.2).astype(np.int64),
        "stage": np.zeros(n, np.int64),
        "attention": np.zeros(n),
    }


def _un_mediators() -> dict:
    """The UN envoy and the standby mediation team (para 17), as in the default scenario."""
    return {
        "mediator_names": ("un_envoy", "standby_team"),
        "mediator_credibility": np.array([0.8, 0.6]),
        "mediator_capacity": np.array([3, 2]),
        "mediator_impartiality": np.array([0.8, 0.9]),
        "mediator_sponsor": np.array([UN, UN]),
    }


def _organisations(rng, topology: str, region: np.ndarray, n_regions: int) -> dict:
    """One organisation per sbm region (one for the whole network in the other topologies)."""
    n_org = n_regions if topology == "sbm" else 1
    return {
        "organisation": region if topology == "sbm" else np.zeros(region.shape[0], np.int64),
        "organisation_names": tuple(f"region_{r}" for r in range(n_org)),
        "organisation_leverage": np.full(n_org, 0.5),
        "organisation_unity": rng.uniform(0.4, 0.9, n_org),
        "organisation_warning_quality": rng.uniform(0.3, 0.7, n_org),
        "organisation_warning_threshold": np.full(n_org, 0.5),
        "organisation_response_weeks": np.full(n_org, 2, np.int64),
    }


def _dedupe(src: np.ndarray, dst: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Undirected ties without self-loops or repeats, sorted by (low end, high end)."""
    keep = src != dst
    lo = np.minimum(src[keep], dst[keep])
    hi = np.maximum(src[keep], dst[keep])
    keys = np.unique(lo * n + hi)
    return (keys // n).astype(np.int64), (keys % n).astype(np.int64)


def _sbm_edges(rng, n, region, mean_degree, n_regions):
    n_edges = int(round(n * mean_degree / 2))
    n_in = int(round(_SBM_INSIDE_SHARE * n_edges))
    src_in = rng.integers(0, n, n_in)
    # a partner in the same region: regions are contiguous blocks of ids
    starts = (np.arange(n_regions) * n + n_regions - 1) // n_regions
    ends = np.append(starts[1:], n)
    r = region[src_in]
    dst_in = starts[r] + (rng.random(n_in) * (ends[r] - starts[r])).astype(np.int64)
    src_out = rng.integers(0, n, n_edges - n_in)
    dst_out = rng.integers(0, n, n_edges - n_in)
    return _dedupe(np.concatenate([src_in, src_out]), np.concatenate([dst_in, dst_out]), n)


def _small_world_edges(rng, n, mean_degree):
    k = max(1, int(round(mean_degree / 2)))
    src = np.repeat(np.arange(n), k)
    dst = (src + np.tile(np.arange(1, k + 1), n)) % n
    rewire = rng.random(src.shape[0]) < _REWIRE_SHARE
    dst = dst.copy()
    dst[rewire] = rng.integers(0, n, int(rewire.sum()))
    return _dedupe(src, dst, n)


def _scale_free_edges(rng, n, mean_degree):
    k = max(1, int(round(mean_degree / 2)))
    # Preferential attachment by sampling uniformly from the list of earlier edge endpoints
    # (each node appears once per tie), done in vectorised rounds of growing size.
    seed_nodes = k + 1
    src = [np.repeat(np.arange(seed_nodes), seed_nodes)]
    dst = [np.tile(np.arange(seed_nodes), seed_nodes)]
    endpoints = np.concatenate([np.arange(seed_nodes)] * 2)
    start = seed_nodes
    while start < n:
        stop = min(n, start + max(1, start // 4))
        new = np.repeat(np.arange(start, stop), k)
        targets = endpoints[rng.integers(0, endpoints.shape[0], new.shape[0])]
        src.append(new)
        dst.append(targets)
        endpoints = np.concatenate([endpoints, new, targets])
        start = stop
    return _dedupe(np.concatenate(src), np.concatenate(dst), n)
