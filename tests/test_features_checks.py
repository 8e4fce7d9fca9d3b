"""scikit-learn's estimator checks on every public transformer of sklearn_automl.features.

The checks feed numeric arrays. Where a transformer's input cannot be
numeric (dates) or its output is not numbers (labels), the checks that
depend on that are declared as expected failures, with the reason.
"""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from sklearn_automl.features import (
    AutoFeaturizer,
    CategoricalEncoder,
    CategoryNormalizer,
    DatetimeFeatures,
    FeatureSelector,
    MissingValueIndicator,
    NumericTransformer,
    TextFeatures,
    TokenFeatures,
)

ESTIMATORS = [
    AutoFeaturizer(),
    AutoFeaturizer(encoder="ordinal", imputer=None, scaler=None, selector="tree"),
    CategoricalEncoder(),
    CategoricalEncoder(method="ordinal"),
    CategoricalEncoder(method="target"),
    NumericTransformer(scaler="quantile", add_indicator=True),
    NumericTransformer(imputer=None, scaler="power"),
    MissingValueIndicator(),
    FeatureSelector(),
    FeatureSelector(method="l1"),
    FeatureSelector(method="tree"),
    # a light configuration: the checks fit dozens of times
    TextFeatures(analyzer="word", n_components=4),
    TokenFeatures(),
    TokenFeatures(min_df=1, binary=False, sparse_output=False),
    CategoryNormalizer(),
    DatetimeFeatures(),
]

_STRINGS_OUT = (
    "its output is strings (the labels), which this check compares as numbers"
)
_DATES_NEED_DATA = (
    "the check fits on numbers, and numbers are not dates (ValueError naming "
    "the column)"
)
_DATE_CHECKS = [
    "check_estimators_dtypes", "check_fit_score_takes_y", "check_estimators_fit_returns_self",
    "check_pipeline_consistency", "check_estimators_overwrite_params",
    "check_estimators_pickle", "check_f_contiguous_array_estimator",
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_fit2d_1sample", "check_fit2d_1feature", "check_dict_unchanged",
    "check_dont_overwrite_parameters", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_n_features_in_after_fitting", "check_fit2d_predict1d",
    "check_readonly_memmap_input", "check_positive_only_tag_during_fit",
]
EXPECTED_FAILED = {
    "CategoryNormalizer": dict.fromkeys(
        [
            "check_pipeline_consistency", "check_estimators_pickle",
            "check_transformer_data_not_an_array", "check_transformer_general",
            "check_methods_sample_order_invariance", "check_methods_subset_invariance",
            "check_fit_idempotent",
        ],
        _STRINGS_OUT,
    ),
    "DatetimeFeatures": dict.fromkeys(_DATE_CHECKS, _DATES_NEED_DATA),
}


@pytest.fixture(autouse=True)
def _one_thread():
    # Dozens of tiny fits: thread start-up costs more than it saves on a busy box.
    with threadpool_limits(1):
        yield


@parametrize_with_checks(
    ESTIMATORS,
    expected_failed_checks=lambda est: EXPECTED_FAILED.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_datetime_checks_fail_only_for_numbers():
    # The expected failures above are this clear error, not a crash.
    with pytest.raises(ValueError, match="holds numbers"):
        DatetimeFeatures().fit(np.ones((3, 2)))
