"""Violent episodes from stage histories: durations and recurrence, the way the literature
counts them (docs/stylised_facts.md).

An *episode* of a party starts in the week it enters violence (stage >= violence) from below
and ends in the first later week it is calm again (stage <= ``calm_stage``). Durations of
episodes still running at the horizon are censored; :func:`kaplan_meier` handles them.
*Recurrence within w weeks*: among episodes that ended at least ``w`` weeks before the horizon,
the share whose party starts a new episode within ``w`` weeks of the end.

Example:
    >>> import numpy as np
    >>> h = np.array([[[0], [3], [3], [1], [0], [3], [1]]], np.int8)  # 1 replicate, 7 weeks
    >>> ep = find_episodes(h, calm_stage=1)
    >>> ep["start"].tolist(), ep["end"].tolist()
    ([1, 5], [3, 6])
    >>> recurrence_share(ep, window=2, horizon=7)
    1.0
"""

from __future__ import annotations

import numpy as np

from .params import VIOLENCE

EPISODE_DTYPE = np.dtype(
    [("replicate", np.int64), ("party", np.int64), ("start", np.int64), ("end", np.int64)]
)  # end -1: still running at the horizon


def find_episodes(history: np.ndarray, calm_stage: int = 1) -> np.ndarray:
    """Episodes in a stage history ``(replicates, weeks, parties)``; week indices as in the
    history (``history[:, t]`` is the stage after week ``t``). A party violent in the initial
    state is not counted (its episode's start is unknown)."""
    violent = history >= VIOLENCE
    entered = violent[:, 1:] & ~violent[:, :-1]
    rows = []
    for r, t, i in zip(*np.nonzero(entered), strict=True):
        start = t + 1
        calm = np.flatnonzero(history[r, start:, i] <= calm_stage)
        rows.append((r, i, start, start + calm[0] if calm.size else -1))
    rows.sort()
    # an entry into violence before the previous episode ended is the same episode
    episodes = [
        row
        for k, row in enumerate(rows)
        if k == 0 or row[:2] != rows[k - 1][:2] or not _inside(row[2], rows[k - 1])
    ]
    return np.array(episodes, EPISODE_DTYPE)


def _inside(week: int, previous: tuple) -> bool:
    return previous[3] < 0 or week < previous[3]


def kaplan_meier(durations: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival ``S(t)`` at the distinct event times: ``(times, survival)``."""
    order = np.argsort(durations, kind="stable")
    d, e = durations[order], observed[order]
    times = np.unique(d[e])
    at_risk = np.array([(d >= t).sum() for t in times])
    events = np.array([((d == t) & e).sum() for t in times])
    return times, np.cumprod(1.0 - events / np.maximum(at_risk, 1))


def median_duration(episodes: np.ndarray, horizon: int) -> float:
    """Kaplan-Meier median episode duration in weeks (inf if more than half never end)."""
    if episodes.size == 0:
        return float("nan")
    ended = episodes["end"] >= 0
    durations = np.where(ended, episodes["end"], horizon) - episodes["start"]
    times, survival = kaplan_meier(durations, ended)
    below = np.flatnonzero(survival <= 0.5)
    return float(times[below[0]]) if below.size else float("inf")


def recurrence_share(episodes: np.ndarray, window: int, horizon: int) -> float:
    """Share of ended episodes (ended at least ``window`` weeks before the horizon) followed by
    a new episode of the same party within ``window`` weeks."""
    ended = episodes[(episodes["end"] >= 0) & (episodes["end"] + window <= horizon)]
    if ended.size == 0:
        return float("nan")
    starts: dict[tuple[int, int], np.ndarray] = {}
    for ep in episodes:
        starts.setdefault((int(ep["replicate"]), int(ep["party"])), []).append(int(ep["start"]))
    recurred = [
        any(
            ep["end"] < s <= ep["end"] + window
            for s in starts[(int(ep["replicate"]), int(ep["party"]))]
        )
        for ep in ended
    ]
    return float(np.mean(recurred))


def episode_statistics(history: np.ndarray, calm_stage: int = 1) -> dict[str, float]:
    """Median duration and recurrence within 5 and 10 years (260 and 520 weeks)."""
    horizon = history.shape[1]
    ep = find_episodes(history, calm_stage)
    return {
        "episodes": float(ep.size),
        "median_duration_weeks": median_duration(ep, horizon),
        "recurrence_260w": recurrence_share(ep, 260, horizon),
        "recurrence_520w": recurrence_share(ep, 520, horizon),
    }
