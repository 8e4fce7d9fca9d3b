"""sklearn_automl: AutoML that is a scikit-learn estimator all the way down."""

from ._estimators import AutoMLClassifier, AutoMLRegressor
from ._execution import DaskExecutor
from ._history import TrialResult
from ._progress import StopSearch

__version__ = "0.1.0"

__all__ = [
    "AutoMLClassifier",
    "AutoMLRegressor",
    "DaskExecutor",
    "StopSearch",
    "TrialResult",
    "__version__",
]
