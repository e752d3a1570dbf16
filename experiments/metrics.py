"""Forecast scores for early warnings, in numpy (the way conflict forecasters score forecasts).

Example:
    >>> y = [1, 1, 0, 0, 1, 0]
    >>> s = [0.9, 0.8, 0.7, 0.1, 0.4, 0.2]
    >>> round(auroc(y, s), 4), round(average_precision(y, s), 4)
    (0.8889, 0.9167)
    >>> round(brier(y, s), 4)
    0.1583
"""

from __future__ import annotations

import numpy as np

__all__ = ["auroc", "average_precision", "brier", "brier_skill", "quantiles"]


def _arrays(y, score) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64).ravel()
    s = np.asarray(score, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"y and score differ in length ({y.size} vs {s.size})")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must be 0/1")
    return y, s


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """1-based ranks of ``x``, ties sharing their mean rank."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    ranks = np.empty(x.size, dtype=np.float64)
    # boundaries of runs of equal values
    edges = np.flatnonzero(np.diff(xs)) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [x.size]])
    mean_rank = (starts + stops + 1) / 2.0  # mean of starts+1 .. stops
    ranks[order] = np.repeat(mean_rank, stops - starts)
    return ranks


def auroc(y, score) -> float:
    """Area under the ROC curve: the probability that a random positive scores higher than a
    random negative (ties count one half; Mann-Whitney). NaN without both classes.

    A binary score (warned or not) gives ``(1 + TPR - FPR) / 2``.

    >>> auroc([0, 0, 1, 1], [0, 1, 0, 1])
    0.5
    >>> auroc([0, 0, 1, 1], [0, 0, 1, 1])
    1.0
    """
    y, s = _arrays(y, score)
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = _average_ranks(s)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(y, score) -> float:
    """Area under the precision-recall curve as average precision: the sum over distinct score
    thresholds of (recall gained) x (precision at that threshold). NaN without positives.

    Its no-skill value is the base rate. A binary score gives ``TPR * PPV + (1 - TPR) * base``.

    >>> round(average_precision([0, 1, 0, 1], [0, 1, 1, 1]), 4)
    0.6667
    """
    y, s = _arrays(y, score)
    n_pos = y.sum()
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    ys, ss = y[order], s[order]
    last = np.concatenate([np.flatnonzero(np.diff(ss)), [ss.size - 1]])  # end of each tie run
    tp = np.cumsum(ys)[last]
    predicted = last + 1.0
    precision = tp / predicted
    recall = tp / n_pos
    gained = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(gained * precision))


def brier(y, p) -> float:
    """Mean squared error of probability forecasts ``p`` of the 0/1 outcomes ``y``.

    >>> brier([1, 0], [1.0, 0.0]), brier([1, 0], [0.5, 0.5])
    (0.0, 0.25)
    """
    y, p = _arrays(y, p)
    if y.size == 0:
        return float("nan")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("probabilities must be in [0, 1]")
    return float(np.mean((p - y) ** 2))


def brier_skill(bs: float, bs_ref: float) -> float:
    """Brier skill score ``1 - bs / bs_ref`` (NaN when the reference is 0)."""
    return float(1.0 - bs / bs_ref) if bs_ref > 0 else float("nan")


def quantiles(x, qs=(0.25, 0.5, 0.75)) -> tuple[float, ...]:
    """Quantiles of ``x`` (NaN for an empty sample)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return tuple(float("nan") for _ in qs)
    return tuple(float(v) for v in np.quantile(x, qs))
