"""Benchmarks of the featurizer: AutoFeaturizer on a mixed 20-column table.

The ``large_scale`` profile runs the issue's target case, 1,000,000 rows
(fit_transform under 30 s on 2 cores, peak memory under 3x the table);
``benchmarks/featurization_memory.py`` measures the same case in a
subprocess with the kernel's peak-RSS counter reset just before the call.
"""

import importlib.util
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from .common import Benchmark, Estimator


def _load_table_module():
    """``benchmarks/featurization_memory.py``: one definition of the table."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "featurization_memory.py"
    spec = importlib.util.spec_from_file_location("_featurization_memory", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TABLE = _load_table_module()
#: AutoFeaturizer parameters: its defaults (what linear models and kNN get)
#: and what LightGBM / HistGradientBoosting get in the search
CONFIGS = _TABLE.CONFIGS
#: 20 columns: 10 floats (two with NaN, one informative), 2 ints, a bool,
#: 4 categoricals with 10 levels (one with NaN), 2 with 10,000 levels and a
#: datetime with NaT; a binary target
mixed_table = _TABLE.make_table


class AutoFeaturizerBenchmark(Estimator, Benchmark):
    """fit, fit_transform and transform of AutoFeaturizer; quality of its output.

    ``track_test_score`` is the held-out ROC AUC of a fixed model trained on
    the featurized data (logistic regression for the "linear" configuration,
    histogram gradient boosting for "trees"): a featurization regression
    shows up there even when the timings do not move.
    """

    param_names = ("config",)
    params = (list(CONFIGS),)

    def make_data(self, params):
        n_rows = 100_000 if self.data_size == "small" else 1_000_000
        X, y = mixed_table(n_rows)
        cut = n_rows * 4 // 5
        return X.iloc[:cut], X.iloc[cut:], y[:cut], y[cut:]

    def make_estimator(self, params):
        from sklearn_automl.features import AutoFeaturizer

        (config,) = params
        return AutoFeaturizer(random_state=0, **CONFIGS[config])

    def time_fit_transform(self, *args):
        clone(self.estimator).fit_transform(self.X, self.y)

    def peakmem_fit_transform(self, *args):
        clone(self.estimator).fit_transform(self.X, self.y)

    def time_transform(self, *args):
        self.estimator.transform(self.X_val)

    def peakmem_transform(self, *args):
        self.estimator.transform(self.X_val)

    def track_test_score(self, *args):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import LogisticRegression

        train = self.estimator.transform(self.X)
        test = self.estimator.transform(self.X_val)
        if np.isnan(train).any():
            model = HistGradientBoostingClassifier(max_iter=50, random_state=0)
        else:
            model = LogisticRegression(max_iter=300)
        proba = model.fit(train, self.y).predict_proba(test)[:, 1]
        return float(roc_auc_score(self.y_val, proba))
