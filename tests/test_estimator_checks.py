"""scikit-learn's own estimator checks over both AutoML estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_automl import AutoMLClassifier, AutoMLRegressor

# Small and deterministic: a budget of trials, no wall-clock budget.
_FAST = {
    "max_trials": 2,
    "time_budget": None,
    "cv": 3,
    "estimators": ["linear", "hist_gradient_boosting"],
    "random_state": 0,
}

EXPECTED_FAILED = {}


@parametrize_with_checks(
    [AutoMLClassifier(**_FAST), AutoMLRegressor(**_FAST)],
    expected_failed_checks=lambda est: EXPECTED_FAILED.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
