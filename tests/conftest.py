import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_regression


@pytest.fixture(scope="session")
def binary_data():
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    return X, y


@pytest.fixture(scope="session")
def regression_data():
    X, y = make_regression(n_samples=200, n_features=5, noise=5.0, random_state=0)
    return X, y


@pytest.fixture(scope="session")
def mixed_frame():
    """A mixed-type table with missing values and a string target."""
    rng = np.random.RandomState(0)
    n = 240
    num = rng.normal(size=n)
    cat = rng.choice(["red", "green", "blue"], size=n)
    flag = rng.rand(n) > 0.5
    score = num + (cat == "red") * 1.5 + flag * 0.5 + rng.normal(scale=0.3, size=n)
    X = pd.DataFrame(
        {
            "num": num,
            "num_missing": np.where(rng.rand(n) < 0.2, np.nan, rng.normal(size=n)),
            "color": pd.Series(cat).where(rng.rand(n) > 0.1, None),
            "size": pd.Categorical(rng.choice(["S", "M", "L"], size=n)),
            "flag": flag,
            "count": pd.array(rng.randint(0, 5, size=n), dtype="Int64"),
        }
    )
    y = np.where(score > np.median(score), "yes", "no")
    return X, y


class MajorityClassifier(ClassifierMixin, BaseEstimator):
    """Predicts the majority class; the base of the misbehaving test models."""

    def fit(self, X, y):
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

    def predict_proba(self, X):
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, list(self.classes_).index(self.majority_)] = 1.0
        return proba


class FailingClassifier(MajorityClassifier):
    """Raises in fit when ``fail`` is True; else predicts the majority class."""

    def __init__(self, fail=True):
        self.fail = fail

    def fit(self, X, y):
        if self.fail:
            raise RuntimeError("deliberate failure in fit")
        return super().fit(X, y)
