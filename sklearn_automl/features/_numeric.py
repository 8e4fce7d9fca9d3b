"""Numeric columns: coercion to floats, imputation, scaling, missingness.

This module imports only numpy/pandas/sklearn (and its siblings through
single-line relative imports that ``export_code`` strips when it inlines
the package).
"""

from __future__ import annotations

import numbers
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import float_dtype, validate_table

__all__ = ["MissingValueIndicator", "NumericTransformer"]

#: rows a power transform is fitted on (its lambda search is costly)
_POWER_FIT_ROWS = 100_000


def as_float_array(X, dtype=np.float64, copy=True, scale=None, fit_scale=False):
    """Columns of ``X`` as one float array; a clear error names a bad column.

    Booleans become 0/1, timedeltas seconds, strings that hold numbers their
    value (``"True"``/``"False"`` too); missing values of any kind become
    NaN. A value that is not a number (a column whose type changed since
    ``fit``, say) or an infinity raises a ``ValueError`` naming the column.
    With ``copy=False`` a float array of ``dtype`` is returned as is.

    Each column is converted in float64, multiplied by its entry of
    ``scale`` (``fit_scale=True`` learns it: see :func:`magnitude_scale`;
    the array is then returned too), and cast to ``dtype``; a value beyond
    the range of ``dtype`` becomes its largest finite value of that sign,
    never an infinity.
    """
    if isinstance(X, list):  # (name, Series) pairs, pulled once by AutoFeaturizer
        items, n = X, len(X[0][1]) if X else 0
    elif isinstance(X, pd.DataFrame):
        items, n = list(X.items()), X.shape[0]
    else:
        X = np.asarray(X)
        if X.dtype.kind in "biuf":
            _check_finite(X, range(X.shape[1]))
            if fit_scale:
                scale = magnitude_scale(X.astype(np.float64, copy=False))
            if scale is not None and np.any(scale != 1):
                out = _cast(X.astype(np.float64) * scale, dtype, copy=False)
            else:
                out = _cast(X, dtype, copy=copy or not X.flags.writeable)
            return (out, scale) if fit_scale else out
        items, n = list(pd.DataFrame(X, copy=False).items()), X.shape[0]
    m = len(items)
    out = np.empty((n, m), dtype=dtype, order="F")
    if fit_scale:
        scale = np.ones(m)
    infinite = []
    for j, (name, col) in enumerate(items):
        values = _column_to_float(col, name)
        if np.isinf(values).any():
            infinite.append(name)
            continue
        if fit_scale:
            scale[j] = magnitude_scale(values[:, None])[0]
        if scale is not None and scale[j] != 1:
            values = values * scale[j]
        out[:, j] = _cast(values, dtype, copy=False)
    if infinite:
        _check_finite(np.full((1, len(infinite)), np.inf), infinite)
    return (out, scale) if fit_scale else out


#: columns whose largest magnitude lies outside this range are rescaled
MAGNITUDE_RANGE = (1e-30, 1e30)


def magnitude_scale(values):
    """Per-column powers of two that bring extreme magnitudes near 1.

    A column whose largest finite magnitude exceeds ``MAGNITUDE_RANGE[1]``
    (it would overflow float32, and its squares float64 in a scaler), or is
    below ``MAGNITUDE_RANGE[0]`` without being 0 (it would underflow float32),
    gets the power of two that brings that magnitude into [0.5, 2); other
    columns get 1. A power of two is exact in binary floating point, and a
    positive factor keeps the order of the values, so trees split alike.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        largest = np.nanmax(np.abs(values), axis=0) if len(values) else np.zeros(
            values.shape[1])
    largest = np.nan_to_num(np.atleast_1d(largest), nan=0.0)
    low, high = MAGNITUDE_RANGE
    extreme = (largest > high) | ((largest > 0) & (largest < low))
    scale = np.ones(len(largest))
    scale[extreme] = np.exp2(-np.round(np.log2(largest[extreme])))
    return scale


def _cast(values, dtype, copy):
    """``values`` as ``dtype``, clipped to its finite range."""
    limit = np.finfo(dtype).max
    if values.dtype.itemsize > np.dtype(dtype).itemsize and values.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all NaN
            over = np.nanmax(values) > limit or np.nanmin(values) < -limit
        if over:
            values = np.clip(values, -limit, limit)
            copy = False
    return values.astype(dtype, copy=copy)


def _column_to_float(col, name):
    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        col = col.astype(object)
        dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_timedelta64_dtype(dtype):
        return col.dt.total_seconds().to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        raise ValueError(
            f"Column {name!r} holds dates ({dtype}) where numbers were expected (its "
            "kind is numeric); pass the same column types as in fit."
        )
    values = pd.to_numeric(col, errors="coerce")
    bad = values.isna() & col.notna()
    if bad.any():
        words = col[bad].astype(str).str.strip().str.lower()
        flags = words.map({"true": 1.0, "false": 0.0})
        values = values.where(~bad, flags)
        bad = values.isna() & col.notna()
    if bad.any():
        examples = pd.unique(col[bad].astype(str))[:3].tolist()
        raise ValueError(
            f"Column {name!r} should hold numbers (its kind is numeric) but has "
            f"{int(bad.sum())} value(s) that are not, e.g. {examples}. Pass the "
            "same column types as in fit, or give the column another kind."
        )
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_finite(values, names):
    bad = [name for j, name in enumerate(names) if np.isinf(values[:, j]).any()]
    if bad:
        raise ValueError(
            f"Column(s) {bad} contain infinity; replace it with a finite value or "
            "NaN (missing)."
        )


class NumericTransformer(TransformerMixin, BaseEstimator):
    """Numbers ready for a model: coerce, impute, add indicators, scale.

    Columns are converted to floats first (booleans 0/1, timedeltas in
    seconds, numbers stored as strings parsed); a value that is no number
    raises an error naming its column rather than shifting anything.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    imputer : {"median", "mean", "constant"} or None, default="median"
        How missing values are filled (statistics of ``fit``). ``None``
        keeps NaN, for models that handle it (gradient boosting, forests).
        A column that is all missing in ``fit`` is kept (so the output keeps
        its width) and filled with 0, or ``fill_value`` for ``"constant"``
        (with ``None`` too: with 0).
    fill_value : float, default=0.0
        Value of ``imputer="constant"``.
    add_indicator : bool, default=False
        Append a 0/1 "was missing" column for each column with missing
        values in ``fit`` (needs an ``imputer``).
    scaler : {"standard", "robust", "quantile", "power"} or None, default=None
        Standardization (mean/std), robust (median/IQR), quantile (to a
        normal distribution) or power (Yeo-Johnson, fit on at most 100,000
        rows). ``None``: no scaling, as trees need none.
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.
    copy : bool, default=True
        If False, a writeable float array of ``dtype`` given to ``transform``
        is imputed and scaled in place (saves a copy inside pipelines).
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling of the quantile and power transforms.

    Attributes
    ----------
    magnitude_scale_ : ndarray of shape (n_features,)
        Factor applied to each column before anything else: 1, or for a
        column whose largest magnitude in ``fit`` is beyond 1e30 (or below
        1e-30, and not 0) the power of two that brings it near 1, so that
        float32 output neither overflows nor underflows. Values beyond the
        output dtype's range at transform time become its largest finite
        value.
    imputer_ : SimpleImputer or None
        The fitted imputer.
    scaler_ : transformer or None
        The fitted scaler.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    See Also
    --------
    MissingValueIndicator : 0/1 missingness columns on their own.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import NumericTransformer
    >>> X = pd.DataFrame({"a": [1.0, None, 3.0], "b": pd.array([1, 2, None], "Int64")})
    >>> NumericTransformer(add_indicator=True).fit_transform(X)
    array([[1. , 1. , 0. , 0. ],
           [2. , 2. , 1. , 0. ],
           [3. , 1.5, 0. , 1. ]])
    >>> NumericTransformer(scaler="standard").fit_transform(X)[:, 0]
    array([-1.22474487,  0.        ,  1.22474487])
    """

    _parameter_constraints: ClassVar[dict] = {
        "imputer": [StrOptions({"median", "mean", "constant"}), None],
        "fill_value": [numbers.Real],
        "add_indicator": ["boolean"],
        "scaler": [StrOptions({"standard", "robust", "quantile", "power"}), None],
        "dtype": "no_validation",
        "copy": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        imputer="median",
        *,
        fill_value=0.0,
        add_indicator=False,
        scaler=None,
        dtype=np.float64,
        copy=True,
        random_state=None,
    ):
        self.imputer = imputer
        self.fill_value = fill_value
        self.add_indicator = add_indicator
        self.scaler = scaler
        self.dtype = dtype
        self.copy = copy
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the imputation values and the scaling.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        self._fit(X, transform=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then transform ``X`` (without a second conversion).

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        return self._fit(X, transform=True)

    def _fit(self, X, *, transform):
        if self.add_indicator and self.imputer is None:
            raise ValueError("add_indicator=True needs an imputer; got imputer=None.")
        dtype = float_dtype(self.dtype)
        X = validate_table(self, X, reset=True)
        values, self.magnitude_scale_ = as_float_array(
            X, dtype, copy=self.copy, fit_scale=True)
        # A column all missing in fit stays in the output (its width is
        # fixed) as zeros: HistGradientBoosting cannot bin an all-NaN column.
        self._all_missing = np.isnan(values).all(axis=0) if len(values) else None
        values = self._fill_all_missing(values)
        self.imputer_ = None
        if self.imputer is not None:
            self.imputer_ = SimpleImputer(
                strategy=self.imputer, fill_value=self.fill_value,
                add_indicator=self.add_indicator, keep_empty_features=True,
                copy=False,
            ).set_output(transform="default")  # arrays inside, whatever the config
            values = self.imputer_.fit_transform(values)
        self.scaler_ = self._make_scaler(values.shape[0])
        if self.scaler_ is not None:
            self.scaler_.set_output(transform="default")
            if self.scaler == "power" and values.shape[0] > _POWER_FIT_ROWS:
                rng = check_random_state(self.random_state)
                rows = np.sort(rng.choice(values.shape[0], _POWER_FIT_ROWS, replace=False))
                self.scaler_.fit(values[rows])
            else:
                self.scaler_.fit(values)
            if transform:
                values = self.scaler_.transform(values)
        return values.astype(dtype, copy=False) if transform else None

    def _fill_all_missing(self, values):
        mask = getattr(self, "_all_missing", None)
        if self.imputer is None and mask is not None and mask.any():
            if not values.flags.writeable:
                values = values.copy()
            values[:, mask] = 0.0
        return values

    def _make_scaler(self, n_samples):
        if self.scaler is None:
            return None
        if self.scaler == "standard":
            return StandardScaler(copy=False)
        if self.scaler == "robust":
            return RobustScaler(copy=False)
        if self.scaler == "quantile":
            return QuantileTransformer(
                n_quantiles=max(min(1000, n_samples), 1), output_distribution="normal",
                subsample=100_000, random_state=self.random_state, copy=False,
            )
        return PowerTransformer(copy=False)

    def transform(self, X):
        """Coerce, impute and scale ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "scaler_")
        float_dtype(self.dtype)
        return self._transform_columns(validate_table(self, X, reset=False))

    def _transform_columns(self, X):
        """``transform`` of a table already validated (an array, or the
        ``(name, Series)`` pairs of its columns)."""
        dtype = float_dtype(self.dtype)
        values = as_float_array(X, dtype, copy=self.copy,
                                scale=getattr(self, "magnitude_scale_", None))
        values = self._fill_all_missing(values)
        if self.imputer_ is not None:
            values = self.imputer_.transform(values)
        if self.scaler_ is not None:
            values = self.scaler_.transform(values)
        return values.astype(dtype, copy=False)

    def get_feature_names_out(self, input_features=None):
        """The column names, then ``missingindicator_<column>`` ones.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "scaler_")
        names = _check_feature_names_in(self, input_features)
        if self.imputer_ is not None:
            return self.imputer_.get_feature_names_out(names)
        return names

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = [float_dtype(self.dtype).name]
        return tags


class MissingValueIndicator(TransformerMixin, BaseEstimator):
    """One 0/1 column per input column: is the value missing?

    Unlike :class:`~sklearn.impute.MissingIndicator`, it takes any column
    type (numbers, strings, dates: ``NaN``, ``None``, ``pd.NA`` and ``NaT``
    all count as missing) and always keeps every column, so the output
    width does not depend on the data.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import MissingValueIndicator
    >>> X = pd.DataFrame({"when": pd.to_datetime(["2024-01-01", None])})
    >>> MissingValueIndicator().fit_transform(X)
    array([[0.],
           [1.]])
    """

    _parameter_constraints: ClassVar[dict] = {"dtype": "no_validation"}

    def __init__(self, *, dtype=np.float64):
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the columns of ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        float_dtype(self.dtype)
        validate_table(self, X, reset=True)
        return self

    def transform(self, X):
        """Flag the missing entries of ``X``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "n_features_in_")
        X = validate_table(self, X, reset=False)
        return np.asarray(pd.isna(X), dtype=float_dtype(self.dtype))

    def _transform_columns(self, X):
        """``transform`` of a table already validated (an array, or the
        ``(name, Series)`` pairs of its columns)."""
        dtype = float_dtype(self.dtype)
        if not isinstance(X, list):
            return np.asarray(pd.isna(X), dtype=dtype)
        out = np.empty((len(X[0][1]) if X else 0, len(X)), dtype=dtype)
        for j, (_, col) in enumerate(X):
            out[:, j] = col.isna().to_numpy()
        return out

    def get_feature_names_out(self, input_features=None):
        """``missingindicator_<column>`` for each column.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        return np.asarray([f"missingindicator_{n}" for n in names], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.transformer_tags.preserves_dtype = [float_dtype(self.dtype).name]
        return tags
