"""FeatureSelector: the three scores and the automatic number of features."""

import numpy as np
import pytest
from scipy import sparse

from sklearn_automl.features import FeatureSelector


def _data(task, n=400, n_noise=20, seed=0):
    rng = np.random.RandomState(seed)
    informative = rng.normal(size=(n, 3))
    binary = (rng.rand(n) < 0.5).astype(float)
    noise = rng.normal(size=(n, n_noise))
    noise_binary = (rng.rand(n, 5) < 0.5).astype(float)
    X = np.hstack([informative, binary[:, None], noise, noise_binary])
    signal = informative @ [1.5, -1.0, 1.0] + 1.5 * binary
    if task == "classification":
        y = (signal + 0.5 * rng.normal(size=n) > 0.7).astype(int)
    else:
        y = signal + 0.5 * rng.normal(size=n)
    return X, y


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("method", ["mutual_info", "l1", "tree"])
def test_auto_k_finds_the_informative_features(method, task):
    X, y = _data(task)
    sel = FeatureSelector(method, random_state=0).fit(X, y)
    kept = set(sel.get_support(indices=True))
    assert {0, 1, 2, 3} <= kept
    assert len(kept - {0, 1, 2, 3}) <= 4  # few of the 25 noise features
    assert sel.threshold_.shape == (X.shape[1],)


@pytest.mark.parametrize(("k", "n_kept"), [(2, 2), (0.25, 8), (100, 29)])
def test_fixed_k_keeps_the_best_scores(k, n_kept):
    X, y = _data("classification")
    sel = FeatureSelector("tree", k=k, random_state=0).fit(X, y)
    assert sel.transform(X).shape[1] == n_kept
    assert sel.threshold_ is None
    if k == 2:
        assert set(sel.get_support(indices=True)) <= {0, 1, 2, 3}


def test_subsample_nan_and_sparse_input():
    X, y = _data("regression", n=600)
    X[::7, 5] = np.nan
    sel = FeatureSelector("mutual_info", max_samples=300, random_state=0).fit(X, y)
    assert {0, 1, 2} <= set(sel.get_support(indices=True))
    Xs = sparse.csr_matrix(np.abs(X[:, :6]) > 1, dtype=float)
    assert FeatureSelector("tree", random_state=0).fit(Xs, y).transform(Xs).shape[0] == 600


def test_at_least_one_feature_is_kept():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 5)), rng.randint(0, 2, 200)
    assert FeatureSelector("l1", random_state=0).fit(X, y).get_support().sum() >= 1


def test_selector_needs_y():
    with pytest.raises(ValueError, match="requires y"):
        FeatureSelector().fit(np.ones((5, 2)))
