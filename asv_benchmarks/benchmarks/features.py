"""Benchmarks of the featurizer: AutoFeaturizer on a mixed 20-column table.

The ``large_scale`` profile runs the issue's target case, 1,000,000 rows
(fit_transform under 30 s on 2 cores, peak memory under 3x the table);
``benchmarks/featurization_memory.py`` measures the same case in a
subprocess with the kernel's peak-RSS counter reset just before the call.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from .common import Benchmark, Estimator

#: AutoFeaturizer parameters: its defaults (what linear models and kNN get)
#: and what LightGBM / HistGradientBoosting get in the search
CONFIGS = {
    "linear": {},
    "trees": {"encoder": "ordinal", "imputer": None, "scaler": None,
              "datetime_cyclic": False},
}


def mixed_table(n_rows, seed=0):
    """20 columns: 10 floats (two with NaN, one informative), 2 ints, a bool,
    4 categoricals with 10 levels (one with NaN), 2 with 10,000 levels and a
    datetime with NaT; a binary target. Kept in step with
    ``benchmarks/featurization_memory.py:make_table``.
    """
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(10):
        cols[f"num{j}"] = rng.normal(size=n_rows)
    signal = cols["num0"] + 0.5 * cols["num1"]
    cols["num8"][rng.random(n_rows) < 0.10] = np.nan
    cols["num9"][rng.random(n_rows) < 0.05 + 0.10 * (signal > 0)] = np.nan
    cols["int0"] = rng.integers(0, 100, n_rows)
    cols["int1"] = rng.integers(0, 1_000_000, n_rows)
    cols["flag"] = rng.random(n_rows) < 0.3
    small = np.array([f"level_{i}" for i in range(10)], dtype=object)
    for j in range(4):
        codes = rng.integers(0, 10, n_rows)
        values = small[codes]
        if j == 0:
            values[rng.random(n_rows) < 0.05] = None
            signal = signal + (codes == 3)
        cols[f"cat10_{j}"] = pd.Series(values, dtype="str")
    big = np.array([f"item_{i:05d}" for i in range(10_000)], dtype=object)
    for j in range(2):
        codes = rng.zipf(1.3, n_rows) % 10_000
        cols[f"cat10k_{j}"] = pd.Series(big[codes], dtype="str")
    seconds = rng.integers(0, 3 * 365 * 86400, n_rows).astype("timedelta64[s]")
    stamps = np.datetime64("2021-01-01T00:00:00") + seconds
    stamps[rng.random(n_rows) < 0.02] = np.datetime64("NaT")
    cols["ts"] = stamps.astype("datetime64[ns]")
    X = pd.DataFrame(cols)
    y = (signal + rng.normal(size=n_rows) > 0).astype(int)
    return X, y


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
