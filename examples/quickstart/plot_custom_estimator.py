"""
=====================================
Searching your own estimator: an SVC
=====================================

Besides its built-in model families, the AutoML search accepts your own
estimators as ``(name, unfitted_estimator, space)`` tuples, where ``space``
maps parameter names of the estimator to distributions from
:mod:`sklearn_automl.space`. Here we search a support vector classifier
alongside the built-in ``"lightgbm"`` family.

The search is bounded by ``max_trials`` only (``time_budget=None``), so with
an integer ``random_state`` it is reproducible: running this script twice
gives the same leaderboard.
"""

# %%
# The data
# --------
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Describe the search space of the SVC
# ------------------------------------
# ``Float(low, high, log=True)`` samples on a log scale, which suits ``C`` and
# ``gamma``; ``Categorical`` chooses among a few values. ``default`` is the
# value of the first trial of the family, the following trials are random
# draws. Custom estimators receive standardized, one-hot encoded features,
# which an SVC needs.
from sklearn.svm import SVC

from sklearn_automl.space import Categorical, Float

svc_space = {
    "C": Float(1e-2, 1e3, log=True, default=1.0),
    "gamma": Float(1e-4, 1.0, log=True, default=0.01),
    "kernel": Categorical(["rbf", "sigmoid"]),
}

# %%
# Search it next to LightGBM
# --------------------------
# ``estimators`` mixes built-in family names and custom tuples.
# ``SVC`` has no ``predict_proba`` by default; ROC AUC, the default scoring
# for binary targets, uses its ``decision_function``.
from sklearn_automl import AutoMLClassifier

clf = AutoMLClassifier(
    estimators=[("svc", SVC(), svc_space), "lightgbm"],
    max_trials=16,
    time_budget=None,
    random_state=0,
)
clf.fit(X_train, y_train)

clf.leaderboard_[["rank", "family", "mean_score", "std_score", "fit_time", "params"]]

# %%
# The winner
# ----------
# ``best_params_`` are ``set_params`` arguments of ``best_estimator_``, a plain
# scikit-learn pipeline: the SVC sits in its ``"model"`` step.
print(clf.best_family_, clf.best_params_)
clf.best_estimator_

# %%
# Each family's best trial
# ------------------------
# The leaderboard is a :class:`pandas.DataFrame`, so the usual pandas tools
# summarize it.
ok = clf.leaderboard_.query("status == 'ok'")
ok.groupby("family")["mean_score"].agg(["count", "max", "mean"])

# %%
# Score on the test set
# ---------------------
from sklearn.metrics import accuracy_score

print(f"test accuracy: {accuracy_score(y_test, clf.predict(X_test)):.4f}")

# %%
# Reproducibility
# ---------------
# The same parameters on the same data propose the same configurations on the
# same folds, so the validation scores match exactly.
import numpy as np
from sklearn.base import clone

again = clone(clf).fit(X_train, y_train)
print(
    "identical scores:",
    np.array_equal(
        clf.cv_results_["mean_test_score"],
        again.cv_results_["mean_test_score"],
        equal_nan=True,
    ),
)
