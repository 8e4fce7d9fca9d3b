"""sklearn_automl: AutoML that is a scikit-learn estimator all the way down."""

from ._automl import AutoMLClassifier, AutoMLRegressor
from ._history import TrialResult

__version__ = "0.1.0"

__all__ = ["AutoMLClassifier", "AutoMLRegressor", "TrialResult", "__version__"]
