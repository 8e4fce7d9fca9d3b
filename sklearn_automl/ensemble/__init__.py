"""Ensembles of the search's candidates: greedy selection and stacking.

Read more in the :ref:`User Guide <ensembles>`.
"""

from ._selection import PredictionScorer, ensemble_selection
from ._stacking import StackedEnsembleClassifier, StackedEnsembleRegressor

__all__ = [
    "PredictionScorer",
    "StackedEnsembleClassifier",
    "StackedEnsembleRegressor",
    "ensemble_selection",
]
