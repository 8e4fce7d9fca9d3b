"""
=================================
Quickstart: an AutoML classifier
=================================

This example fits :class:`~sklearn_automl.AutoMLClassifier` on the breast
cancer data set that ships with scikit-learn. Within a time budget of 15
seconds it searches pipelines (a featurizer followed by a model family and
its hyperparameters), scores each by cross-validation and refits the best one
on all the training data. We then look at the leaderboard and measure the
model on a held-out test set.
"""

# %%
# Load the data and hold out a test set
# -------------------------------------
# ``as_frame=True`` gives a :class:`pandas.DataFrame`; the search works the
# same on NumPy arrays.
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

X, y = load_breast_cancer(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
X_train.shape, X_test.shape

# %%
# Search within a time budget
# ---------------------------
# ``time_budget`` is in seconds and covers the whole ``fit``, the final refit
# included. With the default ``cv=None`` each candidate is scored by 5-fold
# cross-validation (the data has fewer than 20,000 rows), and the default
# scoring for a binary target is ROC AUC.
from sklearn_automl import AutoMLClassifier

clf = AutoMLClassifier(time_budget=15, random_state=0)
clf.fit(X_train, y_train)

print(f"{clf.n_trials_} trials in {clf.search_time_:.1f} s")
print(f"best family: {clf.best_family_}, cross-validated ROC AUC: {clf.best_score_:.4f}")

# %%
# The leaderboard
# ---------------
# ``leaderboard_`` has one row per trial, best first: the model family, the
# mean and standard deviation of its validation scores, its fit and predict
# times, its status (``"ok"``, ``"failed"``, ``"timeout"`` or ``"skipped"``)
# and the parameters that were tried.
clf.leaderboard_.head()

# %%
# The best configuration is available as ``set_params`` arguments of the
# refit pipeline, and the pipeline itself is a plain scikit-learn object.
clf.best_params_

# %%
clf.best_estimator_

# %%
# Score on the test set
# ---------------------
# The fitted search predicts with ``best_estimator_``. The test data must have
# the same columns, in the same order, as the training data.
from sklearn.metrics import accuracy_score, roc_auc_score

proba = clf.predict_proba(X_test)[:, 1]
print(f"test ROC AUC: {roc_auc_score(y_test, proba):.4f}")
print(f"test accuracy: {accuracy_score(y_test, clf.predict(X_test)):.4f}")

# %%
# What the search did
# -------------------
# ``summary()`` is the report to read first: the time each phase took, the
# trials per model family and status, each family's best score, the members
# of the final model and the kinds of the input columns.
print(clf.summary())

# %%
# How the search progressed
# -------------------------
# Each point is one trial's cross-validated score, coloured by model family;
# the line is the best score so far. The first trials are the cheapest
# family's defaults and the configurations of the portfolio, the following
# ones random draws from the search space. More plots are shown in
# :ref:`sphx_glr_auto_examples_inspection_plot_inspection.py`.
from sklearn_automl.inspection import SearchHistoryDisplay

display = SearchHistoryDisplay.from_estimator(clf)
