"""The core model families and their hyperparameter ranges.

These are the built-in families that need no optional extra. The space
package is the lower layer: it never imports :mod:`sklearn_automl.nas`.
The full default list, with the neural family ``mlp_net`` when the ``nas``
extra is installed, is :func:`sklearn_automl._plan.default_components`.

Ranges follow what the families' own documentation and the peers' spaces
(FLAML, auto-sklearn) find useful; each default is the library's own default
or a better-tested one, so the first trial of each family is a sound
baseline before any search.

The boosting families stop early: their iteration count is not searched but
a cap (:data:`LIGHTGBM_MAX_ROUNDS`, :data:`HGB_MAX_ITER`), and each trial
finds the count on its folds' validation rows (see
:class:`~sklearn_automl.space.EarlyStopping`).
"""

from __future__ import annotations

import numpy as np
from lightgbm import LGBMClassifier, LGBMRegressor
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from ._components import Component
from ._early_stopping import HistGradientBoostingStopping, LightGBMStopping
from ._params import Categorical, Float, Int

__all__ = ["CORE_FAMILIES", "HGB_MAX_ITER", "LIGHTGBM_MAX_ROUNDS", "core_components"]

#: the core family names, cheapest first (the order of the first trials)
CORE_FAMILIES = (
    "lightgbm",
    "linear",
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "knn",
)


#: the boosting rounds a LightGBM trial may run before it stops early
LIGHTGBM_MAX_ROUNDS = 10_000
#: the iterations a HistGradientBoosting trial may run before it stops early
HGB_MAX_ITER = 5_000


def _lightgbm(task):
    cls = LGBMClassifier if task == "classification" else LGBMRegressor
    space = {
        "learning_rate": Float(0.02, 0.2, log=True, default=0.05),
        "num_leaves": Int(4, 512, log=True, default=31),
        "min_child_samples": Int(2, 128, log=True, default=20),
        "subsample": Float(0.5, 1.0, default=1.0),
        "colsample_bytree": Float(0.3, 1.0, default=1.0),
        "reg_alpha": Float(1e-6, 10.0, log=True, default=1e-6),
        "reg_lambda": Float(1e-6, 10.0, log=True, default=1e-6),
    }
    est = cls(n_estimators=LIGHTGBM_MAX_ROUNDS, verbose=-1, subsample_freq=1)
    return Component(
        "lightgbm", est, space, tasks=(task,), encoding="ordinal", scale=False,
        fidelity_param="n_estimators", categorical_param="categorical_column",
        openmp=True, early_stopping=LightGBMStopping("n_estimators"),
    )


def _linear(task):
    if task == "classification":
        est = LogisticRegression(max_iter=1000)
        space = {
            "C": Float(1e-4, 1e4, log=True, default=1.0),
            "class_weight": Categorical([None, "balanced"]),
        }
    else:
        est = Ridge()
        space = {"alpha": Float(1e-4, 1e4, log=True, default=1.0)}
    return Component(
        "linear", est, space, tasks=(task,), encoding="onehot", scale=True,
        threads_param=None, dtype=np.float64,
    )


def _hist_gradient_boosting(task):
    # early_stopping=False: a trial's fit switches it on with the fold's
    # validation rows; the refit trains the recorded count on all rows
    cls = (HistGradientBoostingClassifier if task == "classification"
           else HistGradientBoostingRegressor)
    est = cls(max_iter=HGB_MAX_ITER, early_stopping=False)
    space = {
        "learning_rate": Float(0.02, 0.2, log=True, default=0.1),
        "max_leaf_nodes": Int(4, 256, log=True, default=31),
        "min_samples_leaf": Int(2, 200, log=True, default=20),
        "l2_regularization": Float(1e-8, 10.0, log=True, default=1e-8),
        "max_features": Float(0.3, 1.0, default=1.0),
    }
    return Component(
        "hist_gradient_boosting", est, space, tasks=(task,), encoding="ordinal",
        scale=False, fidelity_param="max_iter", categorical_param="categorical_features",
        openmp=True, early_stopping=HistGradientBoostingStopping("max_iter"),
    )


def _forest(name, task):
    if name == "random_forest":
        cls = RandomForestClassifier if task == "classification" else RandomForestRegressor
    else:
        cls = ExtraTreesClassifier if task == "classification" else ExtraTreesRegressor
    space = {
        "n_estimators": Int(32, 512, log=True, default=128),
        "max_features": Float(0.05, 1.0, default=1.0 if task == "regression" else 0.5),
        "min_samples_leaf": Int(1, 32, log=True, default=1),
        "bootstrap": Categorical([name == "random_forest", name != "random_forest"]),
    }
    if task == "classification":
        space["criterion"] = Categorical(["gini", "entropy"])
        space["class_weight"] = Categorical([None, "balanced_subsample"])
    return Component(
        name, cls(), space, tasks=(task,), encoding="ordinal", scale=False,
        fidelity_param="n_estimators",
    )


def _knn(task):
    cls = KNeighborsClassifier if task == "classification" else KNeighborsRegressor
    space = {
        "n_neighbors": Int(1, 64, log=True, default=5),
        "weights": Categorical(["uniform", "distance"]),
        "p": Categorical([2, 1]),
    }
    # Brute-force kNN prediction is O(n_train * n_test): keep it to mid-size data.
    return Component(
        "knn", cls(), space, tasks=(task,), encoding="onehot", scale=True,
        max_rows=20_000,
    )


def core_components(task):
    """The core model families for ``task``, keyed by name, in ``CORE_FAMILIES`` order.

    Parameters
    ----------
    task : {"classification", "regression"}

    Returns
    -------
    components : dict of str -> Component
    """
    comps = [
        _lightgbm(task),
        _linear(task),
        _hist_gradient_boosting(task),
        _forest("random_forest", task),
        _forest("extra_trees", task),
        _knn(task),
    ]
    return {c.name: c for c in comps}
