"""
==================================================================
Random, Bayesian and evolutionary architecture search, with ASHA
==================================================================

:class:`~sklearn_automl.nas.NASClassifier` searches the tabular space (depth
1-8, the width of each block, block type, activation, normalization,
dropout, learning rate) with the project's searchers. Under
``schedule="asha"`` a trial's fidelity is its number of epochs, so many
architectures get a few epochs and only the promising ones get all of them.
"""

# %%
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklearn_automl.nas import NASClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# Three searchers at the same budget of trials
# --------------------------------------------
# All start with the space's default architecture; with the same seed the
# Bayesian and evolutionary searchers draw the same random initial designs as
# random search (5 and 8 of them), and differ once their own proposals start.
for strategy in ("random", "bayesian", "evolutionary"):
    nas = NASClassifier(strategy=strategy, max_trials=11, max_epochs=5,
                        time_budget=None, random_state=0).fit(X_train, y_train)
    print(f"{strategy:13s} held-out {nas.best_score_:.3f} "
          f"test {nas.score(X_test, y_test):.3f} best widths {nas.best_arch_['width']}")

# %%
# Epochs as the fidelity of ASHA
# ------------------------------
# Each trial's ``fidelity`` is the share of ``max_epochs`` it trained for; the
# leaderboard ranks the trials at the highest fidelity first.
nas = NASClassifier(strategy="random", schedule="asha", max_trials=12, max_epochs=9,
                    time_budget=None, random_state=0).fit(X_train, y_train)
nas.leaderboard_[["trial_id", "fidelity", "mean_score", "fit_time", "status"]]

# %%
# The search history: hollow points are trials stopped at fewer epochs.
from sklearn_automl.inspection import SearchHistoryDisplay

display = SearchHistoryDisplay.from_estimator(nas, x="trial")
