"""Categorical encoders: label normalization, one-hot, ordinal and target.

This module imports only numpy/pandas/sklearn (and its siblings through
single-line relative imports that ``export_code`` strips when it inlines
the package).
"""

from __future__ import annotations

import numbers
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, TargetEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import float_dtype, validate_table

__all__ = ["CategoricalEncoder", "CategoryNormalizer"]


def _label(value):
    """The string a category value is known by (1, 1.0 and "1" agree)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))
    return str(value)


def normalize_labels(X):
    """Columns of ``X`` as one ``object`` array of strings, missing as ``nan``.

    Only the distinct values go through Python (one ``str`` per level); rows
    are mapped with vectorized integer codes.
    """
    columns = _raw_columns(X)
    out = np.empty((_n_rows(X), len(columns)), dtype=object)
    for j, col in enumerate(columns):
        codes, uniques = _codes(col)
        labels = np.array([_label(u) for u in uniques] + [np.nan], dtype=object)
        out[:, j] = labels[codes]  # code -1 (missing) picks the trailing nan
    return out


def _raw_columns(X):
    """The columns of a validated table: a DataFrame's Series, an array's columns.

    ``X`` may also be a list of ``(name, Series)`` pairs, the columns
    :class:`AutoFeaturizer` pulls once per ``transform``.
    """
    if isinstance(X, list):
        return [col for _, col in X]
    if isinstance(X, pd.DataFrame):
        return [col for _, col in X.items()]
    return [X[:, j] for j in range(X.shape[1])]


def _n_rows(X):
    if isinstance(X, list):
        return len(X[0][1]) if X else 0
    return X.shape[0]


def _codes(col):
    """``(codes, uniques)`` of a column, code -1 where a value is missing."""
    if isinstance(getattr(col, "dtype", None), pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories
    return pd.factorize(col, use_na_sentinel=True)


def _unseen_label(categories):
    """A string that is no level of any column."""
    seen = {v for levels in categories for v in levels if isinstance(v, str)}
    label = "\x00unseen"
    while label in seen:
        label += "_"
    return label


def _lookup_tables(encoder, dtype):
    """What the fitted ``encoder`` outputs for each level, to encode by lookup.

    Per column: ``(labels, rows, table, start, stop)``. ``labels`` maps a
    level's label to its position among the levels, followed by two more: a
    label not seen in ``fit`` and a missing value; ``table[rows[position]]``
    is the output for it (one-hot tables are the identity plus a row of
    zeros, so that they stay small); ``start:stop`` are the column's outputs. The tables are made by ``encoder.transform`` itself,
    so encoding by lookup gives its output bit for bit. ``None`` when the
    output widths per column are not known (an encoder of another kind).
    """
    categories = encoder.categories_
    if isinstance(encoder, OrdinalEncoder):
        widths = [1] * len(categories)
    elif isinstance(encoder, TargetEncoder):
        per = len(encoder.classes_) if encoder.target_type_ == "multiclass" else 1
        widths = [per] * len(categories)
    else:
        widths = getattr(encoder, "_n_features_outs", None)
        if widths is None or len(widths) != len(categories):
            return None
    unseen = _unseen_label(categories)
    n_probe = max(len(levels) for levels in categories) + 2
    probe = np.empty((n_probe, len(categories)), dtype=object)
    for j, levels in enumerate(categories):
        column = list(levels) + [unseen, np.nan]
        probe[:, j] = column + [np.nan] * (n_probe - len(column))
    encoded = encoder.transform(probe).astype(dtype, copy=False)
    stops = np.cumsum(widths)
    if not len(stops) or stops[-1] != encoded.shape[1]:
        return None
    tables = []
    for j, levels in enumerate(categories):
        start, stop = int(stops[j] - widths[j]), int(stops[j])
        block = np.ascontiguousarray(encoded[: len(levels) + 2, start:stop])
        table, rows = block, np.arange(len(block))
        if isinstance(encoder, OneHotEncoder):  # store the hot column, not the block
            table = np.vstack([np.eye(stop - start, dtype=dtype),
                               np.zeros((1, stop - start), dtype=dtype)])
            rows = np.where(block.any(axis=1), block.argmax(axis=1), len(table) - 1)
            if not np.array_equal(table[rows], block):
                table, rows = block, np.arange(len(block))
        labels = {v: i for i, v in enumerate(levels) if isinstance(v, str)}
        tables.append((labels, rows.astype(np.intp), table, start, stop))
    return tables


class CategoryNormalizer(TransformerMixin, BaseEstimator):
    """Make categorical columns uniformly strings, keeping missing values.

    scikit-learn's encoders need each column to hold only strings or only
    numbers, and the same type at fit and at predict time. Real tables break
    both (``True``/``"yes"`` mixed in one column, ``1`` at fit and ``"1"``
    or ``1.0`` later). This step maps every non-missing value to a string
    (integral numbers without a decimal part, so ``1``, ``1.0`` and ``"1"``
    are the same category) and every missing one (``None``, ``NaN``,
    ``pd.NA``, ``NaT``) to ``np.nan``.

    Read more in the :ref:`User Guide <user_guide>`.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    See Also
    --------
    CategoricalEncoder : Normalizes and encodes in one step.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import CategoryNormalizer
    >>> CategoryNormalizer().fit_transform(pd.DataFrame({"a": [1, "1", 1.0, None]}))
    array([['1'],
           ['1'],
           ['1'],
           [nan]], dtype=object)
    """

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
        validate_table(self, X, reset=True)
        return self

    def transform(self, X):
        """Map values to strings and missing values to ``np.nan``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of object, shape (n_samples, n_features)
        """
        check_is_fitted(self, "n_features_in_")
        X = validate_table(self, X, reset=False)
        return normalize_labels(X)

    def get_feature_names_out(self, input_features=None):
        """The input column names (this step keeps its columns).

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "n_features_in_")
        return _check_feature_names_in(self, input_features)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = []
        return tags


class CategoricalEncoder(TransformerMixin, BaseEstimator):
    """Encode categorical columns: one-hot, ordinal or target encoding.

    Values are first normalized as by :class:`CategoryNormalizer`, then
    encoded by scikit-learn's own encoders:

    - ``"onehot"``: :class:`~sklearn.preprocessing.OneHotEncoder`. A
      category not seen in ``fit`` (or a missing value when ``fit`` saw
      none) gives all zeros, or the "infrequent" column when
      ``max_categories`` grouped rare levels. Missing values seen in ``fit``
      get their own column.
    - ``"ordinal"``: :class:`~sklearn.preprocessing.OrdinalEncoder`, codes
      ``0 .. n_levels - 1``; unseen and missing values are ``-1``, which
      LightGBM and HistGradientBoosting read as missing in their native
      categorical handling.
    - ``"target"``: :class:`~sklearn.preprocessing.TargetEncoder`, the
      shrunk mean of the target per level (one column per class for a
      multiclass target). ``fit_transform`` cross-fits: each row is encoded
      by a model fit on the other folds, so the training output does not
      leak its own target; ``transform`` uses the encoding learnt on all of
      ``fit``'s data. Unseen levels get the global target mean. sklearn's
      encoder is used as is: it already cross-fits, shrinks rare levels and
      treats missing values as a level.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    method : {"onehot", "ordinal", "target"}, default="onehot"
        The encoding.
    max_categories : int, optional
        Keep at most this many levels per column (``"onehot"`` and
        ``"ordinal"``); the rarest are grouped as "infrequent".
    smooth : "auto" or float, default="auto"
        Shrinkage of the target encoding (see ``TargetEncoder``).
    cv : int, default=5
        Folds of the target encoding's cross-fitting (stratified for a
        classification target, shuffled).
    target_type : {"auto", "continuous", "binary", "multiclass"}, default="auto"
        Type of ``y`` for the target encoding; ``"auto"`` infers it (an
        integer-valued regression target is then read as classes: say
        ``"continuous"``).
    dtype : numpy float dtype, default=np.float64
        Dtype of the output.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the cross-fitting folds.

    Attributes
    ----------
    encoder_ : OneHotEncoder, OrdinalEncoder or TargetEncoder
        The fitted scikit-learn encoder (it sees normalized strings).
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    See Also
    --------
    AutoFeaturizer : Chooses the encoding per column kind.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import CategoricalEncoder
    >>> X = pd.DataFrame({"city": ["Paris", "Lyon", "Paris", None]})
    >>> enc = CategoricalEncoder().fit(X)
    >>> enc.get_feature_names_out()
    array(['city_Lyon', 'city_Paris', 'city_nan'], dtype=object)
    >>> enc.transform(pd.DataFrame({"city": ["Nice"]}))  # unseen: all zeros
    array([[0., 0., 0.]])
    >>> CategoricalEncoder(method="ordinal").fit_transform(X).ravel()
    array([ 1.,  0.,  1., -1.])
    >>> y = [1.0, 0.0, 1.0, 0.0]
    >>> enc = CategoricalEncoder(method="target", cv=2, random_state=0)
    >>> enc.fit_transform(X, y).shape
    (4, 1)
    """

    _parameter_constraints: ClassVar[dict] = {
        "method": [StrOptions({"onehot", "ordinal", "target"})],
        "max_categories": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "smooth": [StrOptions({"auto"}), Interval(numbers.Real, 0, None, closed="left")],
        "cv": [Interval(numbers.Integral, 2, None, closed="left")],
        "target_type": [StrOptions({"auto", "continuous", "binary", "multiclass"})],
        "dtype": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method="onehot",
        *,
        max_categories=None,
        smooth="auto",
        cv=5,
        target_type="auto",
        dtype=np.float64,
        random_state=None,
    ):
        self.method = method
        self.max_categories = max_categories
        self.smooth = smooth
        self.cv = cv
        self.target_type = target_type
        self.dtype = dtype
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the levels (and target statistics) of each column.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
            Needed by ``method="target"``.

        Returns
        -------
        self : object
        """
        self._fit(X, y, transform=False)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit and encode ``X``; cross-fitted for ``method="target"``.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        return self._fit(X, y, transform=True)

    def _fit(self, X, y, *, transform):
        dtype = float_dtype(self.dtype)
        X = validate_table(self, X, reset=True)
        labels = normalize_labels(X)
        if self.method == "onehot":
            self.encoder_ = OneHotEncoder(
                handle_unknown="infrequent_if_exist", max_categories=self.max_categories,
                sparse_output=False, dtype=dtype,
            )
        elif self.method == "ordinal":
            self.encoder_ = OrdinalEncoder(
                handle_unknown="use_encoded_value", unknown_value=-1,
                encoded_missing_value=-1, max_categories=self.max_categories,
                dtype=dtype,
            )
        else:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__}(method='target') requires y to be "
                    "passed, but the target y is None."
                )
            y = np.asarray(y)
            if len(y) < 2:
                raise ValueError(
                    "Target encoding cross-fits and needs at least 2 samples; got "
                    f"n_samples = {len(y)}."
                )
            self.encoder_ = TargetEncoder(
                target_type=self.target_type, smooth=self.smooth,
                cv=self._splitter(y),
            )
        # The inner encoder returns arrays whatever the global output config;
        # this estimator's own set_output wraps the final result.
        self.encoder_.set_output(transform="default")
        if not transform:
            self.encoder_.fit(labels, y)
            out = None
        else:
            out = self.encoder_.fit_transform(labels, y).astype(dtype, copy=False)
        self._lookup = _lookup_tables(self.encoder_, dtype)
        return out

    def _splitter(self, y):
        kind = self.target_type
        if kind == "auto":
            kind = type_of_target(y, input_name="y")
        n_splits = min(self.cv, len(y))
        if kind in ("binary", "multiclass"):
            counts = np.unique(y, return_counts=True)[1]
            if counts.min() >= n_splits:
                return StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        return KFold(n_splits, shuffle=True, random_state=self.random_state)

    def transform(self, X):
        """Encode ``X`` with what ``fit`` learnt.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
        """
        check_is_fitted(self, "encoder_")
        X = validate_table(self, X, reset=False)
        out = self.encoder_.transform(normalize_labels(X))
        return out.astype(float_dtype(self.dtype), copy=False)

    def _transform_columns(self, X):
        """``transform`` of a table already validated (see ``_raw_columns``).

        Each level is looked up in what ``encoder_`` outputs for it (see
        :func:`_lookup_tables`): only the distinct values of a column go
        through Python, and none of the encoder's per-call checks run.
        """
        tables = getattr(self, "_lookup", None)
        if tables is None:  # fitted by an older version
            out = self.encoder_.transform(normalize_labels(X))
            return out.astype(float_dtype(self.dtype), copy=False)
        columns = _raw_columns(X)
        out = np.empty((_n_rows(X), tables[-1][4]), dtype=float_dtype(self.dtype))
        for col, (labels, rows, table, start, stop) in zip(columns, tables, strict=True):
            codes, uniques = _codes(col)
            unseen = len(rows) - 2
            index = rows[[labels.get(_label(u), unseen) for u in uniques] + [unseen + 1]]
            out[:, start:stop] = table[index[codes]]  # code -1: the missing row
        return out

    def get_feature_names_out(self, input_features=None):
        """Output names: ``<column>_<level>`` for one-hot, else the columns.

        Parameters
        ----------
        input_features : array-like of str, optional

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "encoder_")
        names = _check_feature_names_in(self, input_features)
        return self.encoder_.get_feature_names_out(names)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = self.method == "target"
        tags.transformer_tags.preserves_dtype = [float_dtype(self.dtype).name]
        return tags
