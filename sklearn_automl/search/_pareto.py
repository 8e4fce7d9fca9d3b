"""Pareto dominance, non-dominated sorting, crowding distance, hypervolume.

Pure numpy on arrays of objective values of shape ``(n_points, n_objectives)``
where **every objective is maximized** (the searchers' convention: a cost
is told as its negative, or the negative of its logarithm). Used by the
multi-objective searchers (NSGA-II selection, expected hypervolume
improvement) and by the AutoML's Pareto front.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "crowding_distance",
    "hypervolume",
    "hypervolume_improvement_2d",
    "non_dominated_sort",
    "pareto_mask",
]


def _as_points(values):
    points = np.asarray(values, dtype=float)
    if points.ndim == 1:
        points = points[:, None]
    return points


def _dominance(points):
    """``d[i, j]``: point ``i`` dominates point ``j`` (no worse anywhere,
    better somewhere)."""
    ge = (points[:, None, :] >= points[None, :, :]).all(axis=2)
    gt = (points[:, None, :] > points[None, :, :]).any(axis=2)
    return ge & gt


def pareto_mask(values):
    """Which points no other point dominates; of exact duplicates, the first.

    Parameters
    ----------
    values : array-like of shape (n_points, n_objectives)
        Higher is better in every column.

    Returns
    -------
    mask : ndarray of bool of shape (n_points,)
    """
    points = _as_points(values)
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=bool)
    dominated = _dominance(points).any(axis=0)
    same = (points[:, None, :] == points[None, :, :]).all(axis=2)
    earlier_twin = np.tril(same, k=-1).any(axis=1)
    return ~dominated & ~earlier_twin


def non_dominated_sort(values):
    """The front of each point: 0 for the non-dominated, 1 for those only
    the first front dominates, and so on (Deb et al., 2002, NSGA-II).

    Parameters
    ----------
    values : array-like of shape (n_points, n_objectives)
        Higher is better in every column; rows with a NaN go last.

    Returns
    -------
    ranks : ndarray of int of shape (n_points,)
    """
    points = _as_points(values)
    n = len(points)
    ranks = np.full(n, -1, dtype=np.int64)
    finite = np.isfinite(points).all(axis=1)
    dom = _dominance(np.where(finite[:, None], points, 0.0))
    counts = dom[finite][:, finite].sum(axis=0)  # dominators of each finite point
    index = np.flatnonzero(finite)
    current = index[counts == 0]
    left = counts.copy()
    rank = 0
    while current.size:
        ranks[current] = rank
        # remove the front: each point it dominates loses those dominators
        left -= dom[current][:, index].sum(axis=0)
        left[np.isin(index, current)] = -1
        current = index[left == 0]
        rank += 1
    ranks[~finite] = rank
    return ranks


def crowding_distance(values, ranks=None):
    """The NSGA-II crowding distance of each point within its front.

    The sum over objectives of the gap between a point's two neighbours on
    that objective, divided by the objective's range in the front; the
    extremes of each objective get ``inf``. Larger means less crowded.

    Parameters
    ----------
    values : array-like of shape (n_points, n_objectives)
    ranks : array-like of int, optional
        Each point's front (:func:`non_dominated_sort`); all in one front
        when omitted.

    Returns
    -------
    distance : ndarray of shape (n_points,)
    """
    points = _as_points(values)
    n, m = points.shape
    ranks = np.zeros(n, dtype=np.int64) if ranks is None else np.asarray(ranks)
    distance = np.zeros(n)
    for r in np.unique(ranks):
        members = np.flatnonzero(ranks == r)
        if members.size <= 2:
            distance[members] = np.inf
            continue
        front = points[members]
        for k in range(m):
            order = np.argsort(front[:, k], kind="stable")
            col = front[order, k]
            span = col[-1] - col[0]
            distance[members[order[0]]] = np.inf
            distance[members[order[-1]]] = np.inf
            if not np.isfinite(span) or span <= 0:
                continue
            distance[members[order[1:-1]]] += (col[2:] - col[:-2]) / span
    return distance


def hypervolume(values, reference):
    """The volume that the points dominate above ``reference``.

    Exact, by slicing along the last objective (fine for the fronts of a
    search: tens of points, a few objectives). Points not better than the
    reference in every objective add nothing.

    Parameters
    ----------
    values : array-like of shape (n_points, n_objectives)
        Higher is better in every column.
    reference : array-like of shape (n_objectives,)
        The worst corner of the measured region.

    Returns
    -------
    volume : float
    """
    points = _as_points(values)
    ref = np.asarray(reference, dtype=float).reshape(-1)
    if points.size == 0:
        return 0.0
    points = points[np.isfinite(points).all(axis=1) & (points > ref).all(axis=1)]
    if not len(points):
        return 0.0
    return float(_hv(points[pareto_mask(points)], ref))


def _hv(points, ref):
    if points.shape[1] == 1:
        return float(points[:, 0].max() - ref[0])
    if points.shape[1] == 2:
        order = np.argsort(-points[:, 0], kind="stable")
        x, y = points[order, 0], points[order, 1]
        best_y = np.maximum.accumulate(y)
        widths = x - np.r_[x[1:], ref[0]]
        return float(np.sum(widths * (best_y - ref[1])))
    order = np.argsort(-points[:, -1], kind="stable")
    pts = points[order]
    volume = 0.0
    for i in range(len(pts)):
        below = pts[i + 1, -1] if i + 1 < len(pts) else ref[-1]
        height = pts[i, -1] - below
        if height <= 0:
            continue
        slab = pts[: i + 1, :-1]
        volume += height * _hv(slab[pareto_mask(slab)], ref[:-1])
    return volume


def hypervolume_improvement_2d(candidates, front, reference):
    """How much each candidate point would add to the hypervolume of ``front``.

    Two objectives, higher is better; vectorised over the candidates (what
    Monte-Carlo expected hypervolume improvement evaluates).

    Parameters
    ----------
    candidates : ndarray of shape (..., 2)
    front : ndarray of shape (n_front, 2)
        Points above ``reference``; need not be non-dominated.
    reference : array-like of shape (2,)

    Returns
    -------
    improvement : ndarray of shape candidates.shape[:-1]
    """
    cand = np.asarray(candidates, dtype=float)
    ref = np.asarray(reference, dtype=float)
    front = _as_points(front).reshape(-1, 2)
    front = front[(front > ref).all(axis=1)]
    # the front's staircase: on x in (a_{j+1}, a_j], the best y of the points
    # with first objective >= x
    order = np.argsort(-front[:, 0], kind="stable")
    a = front[order, 0]
    h = np.maximum.accumulate(front[order, 1]) if len(a) else np.zeros(0)
    # segments [lo_j, hi_j) of the x axis with front height h_j, and past the
    # best first objective, height ref
    hi = np.r_[np.inf, a]
    lo = np.r_[a, ref[0]]
    height = np.r_[ref[1], h]
    cx, cy = cand[..., 0, None], cand[..., 1, None]
    width = np.clip(np.minimum(cx, hi) - lo, 0.0, None)
    gain = np.clip(cy - np.maximum(height, ref[1]), 0.0, None)
    return (width * gain).sum(axis=-1)
