"""search/_pareto.py: dominance, non-dominated sorting, crowding, hypervolume."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_automl.search._pareto import (
    crowding_distance,
    hypervolume,
    hypervolume_improvement_2d,
    non_dominated_sort,
    pareto_mask,
)


def _brute_fronts(points):
    """Front of each point by peeling non-dominated sets, the slow way."""
    left = set(range(len(points)))
    ranks = np.empty(len(points), dtype=int)
    rank = 0
    while left:
        front = [i for i in left if not any(
            np.all(points[j] >= points[i]) and np.any(points[j] > points[i])
            for j in left)]
        ranks[front] = rank
        left -= set(front)
        rank += 1
    return ranks


def _grid_volume(points, ref, n=400):
    """Hypervolume of 2-D points by counting grid cells (maximization)."""
    hi = points.max(axis=0)
    xs = ref[0] + (np.arange(n) + 0.5) * (hi[0] - ref[0]) / n
    ys = ref[1] + (np.arange(n) + 0.5) * (hi[1] - ref[1]) / n
    gx, gy = np.meshgrid(xs, ys)
    covered = np.zeros_like(gx, dtype=bool)
    for p in points:
        covered |= (gx <= p[0]) & (gy <= p[1])
    return covered.mean() * (hi[0] - ref[0]) * (hi[1] - ref[1])


def test_non_dominated_sort_matches_peeling():
    rng = np.random.RandomState(0)
    points = rng.randint(0, 5, size=(40, 3)).astype(float)  # many ties
    np.testing.assert_array_equal(non_dominated_sort(points), _brute_fronts(points))


def test_nan_rows_go_last_and_mask_keeps_first_duplicate():
    points = np.array([[1.0, 2.0], [np.nan, 9.0], [2.0, 1.0], [1.0, 2.0], [0.5, 0.5]])
    ranks = non_dominated_sort(points)
    assert ranks.tolist() == [0, 2, 0, 0, 1]
    assert pareto_mask(points[[0, 2, 3, 4]]).tolist() == [True, True, False, False]


def test_crowding_distance_prefers_isolated_points():
    points = np.array([[0.0, 4.0], [1.0, 3.0], [1.1, 2.9], [4.0, 0.0], [3.0, 1.0]])
    d = crowding_distance(points)
    assert np.isinf(d[[0, 3]]).all()  # the extremes
    assert d[4] > d[1] and d[4] > d[2]  # (3, 1) has the widest gap around it


def test_hypervolume_known_values():
    assert hypervolume([[1, 3], [2, 2], [3, 1]], [0, 0]) == pytest.approx(6.0)
    # a point not above the reference adds nothing
    assert hypervolume([[1, 3], [-1, 9]], [0, 0]) == pytest.approx(3.0)
    # 3-D: a unit cube plus a 1 x 0.5 x 0.5 slab beside it
    assert hypervolume([[1, 1, 1], [2, 0.5, 0.5]], [0, 0, 0]) == pytest.approx(1.25)


def test_hypervolume_3d_inclusion_exclusion():
    rng = np.random.RandomState(1)
    pts = rng.uniform(0, 1, size=(5, 3))
    # inclusion-exclusion over the boxes [0, p]
    exact = 0.0
    for k in range(1, 6):
        for subset in itertools.combinations(range(5), k):
            exact += (-1) ** (k + 1) * np.prod(pts[list(subset)].min(axis=0))
    assert hypervolume(pts, [0, 0, 0]) == pytest.approx(exact)


def test_hypervolume_2d_matches_grid_count():
    rng = np.random.RandomState(2)
    pts = rng.uniform(0, 1, size=(12, 2))
    assert hypervolume(pts, [0, 0]) == pytest.approx(_grid_volume(pts, [0, 0]),
                                                       abs=0.01)


points_2d = st.lists(
    st.tuples(st.floats(0.01, 10), st.floats(0.01, 10)), min_size=1, max_size=8
)


@settings(max_examples=60, deadline=None)
@given(front=points_2d, candidate=st.tuples(st.floats(-1, 12), st.floats(-1, 12)))
def test_improvement_is_the_hypervolume_gain(front, candidate):
    front = np.array(front)
    ref = np.array([0.0, 0.0])
    gain = hypervolume(np.vstack([front, candidate]), ref) - hypervolume(front, ref)
    got = hypervolume_improvement_2d(np.array([candidate]), front, ref)[0]
    assert got == pytest.approx(max(gain, 0.0), abs=1e-9)
