"""Inspect a fitted search: plots, permutation importance and a text summary.

The plots follow scikit-learn's Display convention:
``Display.from_estimator(search, ...)`` computes what to draw from a fitted
:class:`~sklearn_automl.AutoMLClassifier`, :class:`~sklearn_automl.AutoMLRegressor`
or NAS estimator and draws it; ``display.plot(ax=...)`` draws it again;
``display.ax_`` and ``display.figure_`` are the matplotlib objects. They
need matplotlib (the ``plot`` extra); the rest of this module does not.
"""

from ._importance import FeatureImportanceDisplay, permutation_importances
from ._model_plots import EnsembleWeightsDisplay, ParetoFrontDisplay
from ._search_plots import FamilyScoreDisplay, SearchHistoryDisplay
from ._summary import FitSummary, fit_summary

__all__ = [
    "EnsembleWeightsDisplay",
    "FamilyScoreDisplay",
    "FeatureImportanceDisplay",
    "FitSummary",
    "ParetoFrontDisplay",
    "SearchHistoryDisplay",
    "fit_summary",
    "permutation_importances",
]
