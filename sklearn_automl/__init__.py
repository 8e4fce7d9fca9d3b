"""sklearn_automl: AutoML that is a scikit-learn estimator all the way down."""

from ._dask import DaskExecutor
from ._estimators import AutoMLClassifier, AutoMLRegressor
from ._history import TrialResult
from ._persistence import ModelVersionWarning, load, trusted_types
from ._progress import StopSearch

__version__ = "0.1.0"

__all__ = [
    "AutoMLClassifier",
    "AutoMLRegressor",
    "DaskExecutor",
    "ModelVersionWarning",
    "StopSearch",
    "TrialResult",
    "__version__",
    "load",
    "trusted_types",
]
