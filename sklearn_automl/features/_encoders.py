"""Encoders the featurizer needs beyond scikit-learn's own.

This module must import only numpy/pandas/sklearn: ``export_code`` inlines it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["CategoryNormalizer"]


class CategoryNormalizer(TransformerMixin, BaseEstimator):
    """Make categorical columns uniformly strings, keeping missing values.

    scikit-learn's encoders need each column to hold only strings or only
    numbers, and the same type at fit and at predict time. Real tables break
    both (``True``/``"yes"`` mixed in one column, ``1`` at fit and ``"1"``
    later). This step maps every non-missing value to ``str(value)`` and
    every missing one (``None``, ``NaN``, ``pd.NA``, ``NaT``) to ``np.nan``.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import CategoryNormalizer
    >>> CategoryNormalizer().fit_transform(pd.DataFrame({"a": [1, "1", None]}))
    array([['1'],
           ['1'],
           [nan]], dtype=object)
    """

    def fit(self, X, y=None):
        validate_data(self, X, dtype=None, ensure_all_finite=False, skip_check_array=True)
        return self

    def transform(self, X):
        check_is_fitted(self, "n_features_in_")
        validate_data(self, X, reset=False, skip_check_array=True)
        frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X, dtype=object))
        out = np.empty(frame.shape, dtype=object)
        for j in range(frame.shape[1]):
            col = frame.iloc[:, j]
            missing = col.isna().to_numpy()
            values = col.astype(object).to_numpy()
            # str() only of the distinct values: one Python call per level, not per row.
            codes, uniques = pd.factorize(values[~missing])
            strings = np.array([str(u) for u in uniques], dtype=object)
            filled = np.full(len(values), np.nan, dtype=object)
            filled[~missing] = strings[codes] if len(codes) else filled[~missing]
            out[:, j] = filled
        return out

    def get_feature_names_out(self, input_features=None):
        from sklearn.utils.validation import _check_feature_names_in

        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        return tags
