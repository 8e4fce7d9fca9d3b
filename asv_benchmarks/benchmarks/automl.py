"""Benchmarks of the AutoML search itself."""

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from .common import Benchmark, Estimator, Predictor


def _classification_data(n_samples, representation):
    X, y = make_classification(
        n_samples=n_samples,
        n_features=20,
        n_informative=8,
        n_redundant=4,
        flip_y=0.05,
        random_state=0,
    )
    if representation == "mixed":
        # Three columns become strings with a few levels and some missing
        # values, so the featurizer's categorical path is measured too.
        X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
        rng = np.random.RandomState(0)
        for name in ["x0", "x1", "x2"]:
            levels = pd.qcut(X[name], 6, labels=list("abcdef")).astype(object)
            levels[rng.rand(len(levels)) < 0.05] = None
            X[name] = levels
    return train_test_split(X, y, test_size=0.2, stratify=y, random_state=0)


class AutoMLClassifierBenchmark(Predictor, Estimator, Benchmark):
    """Six trials of the default search on a binary task.

    ``max_trials`` with ``time_budget=None`` and a fixed ``random_state``
    make the work identical from run to run: the six trials are the default
    configurations of the six built-in families, on 5 folds.
    """

    param_names = ("representation",)
    params = (["numeric", "mixed"],)
    scoring = "roc_auc"

    def make_data(self, params):
        (representation,) = params
        n_samples = 2_000 if self.data_size == "small" else 50_000
        return _classification_data(n_samples, representation)

    def make_estimator(self, params):
        from sklearn_automl import AutoMLClassifier

        return AutoMLClassifier(
            max_trials=6, time_budget=None, random_state=0, n_jobs=1
        )
