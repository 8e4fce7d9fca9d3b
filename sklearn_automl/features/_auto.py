"""AutoFeaturizer: one ColumnTransformer for every kind of column a table has.

This module imports only numpy/scipy/pandas/sklearn and its siblings,
through single-line relative imports that ``export_code`` strips when it
inlines the package (see :mod:`sklearn_automl.features._inline`).
"""

from __future__ import annotations

import logging
import numbers
import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import f_classif, f_regression
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from ._columns import DROPPED_KINDS, float_dtype, infer_column_kinds, validate_table
from ._datetime import DatetimeFeatures
from ._encoders import CategoricalEncoder
from ._numeric import MissingValueIndicator, NumericTransformer
from ._selection import FeatureSelector
from ._text import TextFeatures
from ._tokens import TokenFeatures

__all__ = ["AutoFeaturizer"]

logger = logging.getLogger("sklearn_automl")

#: most levels an ordinal code keeps (HistGradientBoosting bins to 255)
MAX_ORDINAL_CATEGORIES = 254
#: most token features a "tokens" column gets (its most frequent tokens)
MAX_TOKENS = 100
#: rows a token must be found in to get a feature
MIN_TOKEN_ROWS = 2
#: significance level of the test that decides whether missingness is informative
_MISSING_ALPHA = 0.05
#: rows that test looks at
_MISSING_TEST_ROWS = 200_000

_ENCODERS = {"onehot", "ordinal", "target"}


class AutoFeaturizer(TransformerMixin, BaseEstimator):
    """Featurize a mixed-type table: one transformer per kind of column.

    ``fit`` detects each column's kind (see :func:`infer_column_kinds`;
    ``kinds`` overrides it), builds a
    :class:`~sklearn.compose.ColumnTransformer` and fits it:

    ======================  =================================================
    kind                    transformer
    ======================  =================================================
    ``categorical``         :class:`CategoricalEncoder` with ``encoder``
    ``high_cardinality``    :class:`CategoricalEncoder` with
                            ``high_cardinality_encoder`` (one-hot keeps the
                            ``cardinality_threshold`` most frequent levels)
    ``numeric``             :class:`NumericTransformer` (``imputer``,
                            ``scaler``)
    ``boolean``             :class:`NumericTransformer` (0/1, ``imputer``)
    ``datetime``            :class:`DatetimeFeatures`, then imputed and
                            scaled like numbers
    ``text``                :class:`TextFeatures`, ``text_width`` SVD
                            components
    ``tokens``              :class:`TokenFeatures`: 0/1 per token (at most
                            100 per column, the most frequent, each in at
                            least 2 rows)
    ``id``, ``constant``,   left out
    ``drop``
    ======================  =================================================

    Missing-value indicators (:class:`MissingValueIndicator`) are added for
    imputed numeric, boolean and datetime columns where missingness carries
    signal: with ``missing_indicator="auto"`` and a ``y``, a column gets one
    when its missingness is associated with the target (ANOVA F-test,
    p < 0.05); categorical, text and token columns keep missing values as a
    level, an empty text or no token anyway. An optional
    :class:`FeatureSelector` then keeps the informative outputs.

    Output columns come in this order: ordinal-coded categorical columns
    first (low cardinality, then high cardinality, each in input order; see
    ``categorical_features_``), then one-hot, target-encoded, numeric,
    boolean, datetime, text, token and indicator columns. Feature selection
    never drops the ordinal-coded columns, so their positions are known
    before ``fit`` (what gradient boosting's native categorical support
    needs).

    What happens with bad input:

    - a duplicated column name: ``ValueError`` naming it (fit and predict);
      missing, extra or reordered columns at predict time: ``ValueError``
      naming them; a column is never silently shifted;
    - a category never seen in ``fit``: all zeros (one-hot), ``-1``
      (ordinal, read as missing by the boosting models) or the target mean
      (target encoding);
    - a column that is all missing at predict time: imputed (numeric),
      a missing level (categorical), NaN parts (datetime), empty text;
    - datetime entries that do not parse: treated as missing, with a
      warning naming the column;
    - a column whose type changed since ``fit``: numbers stored as strings
      are parsed and categories are compared as strings (``1`` and ``"1"``
      are one level), but text in a numeric column or numbers in a datetime
      column raise a ``ValueError`` naming the column.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    kinds : dict, optional
        Column -> kind for some or all columns (names for DataFrames,
        positions for arrays), kept as given; the rest is detected.
    encoder : {"onehot", "ordinal", "target"}, default="onehot"
        Encoding of low-cardinality categorical columns.
    high_cardinality_encoder : {"target", "ordinal", "onehot"}, default="target"
        Encoding of high-cardinality columns. Target encoding cross-fits
        (``fit_transform`` returns out-of-fold encodings) and needs ``y``.
    imputer : {"median", "mean", "constant"} or None, default="median"
        Imputation of numeric, boolean and datetime features; ``None``
        keeps NaN (for models that handle it natively).
    missing_indicator : {"auto", "all"} or None, default="auto"
        Which imputed columns get a missingness indicator: those whose
        missingness is associated with ``y`` (``"auto"``; every column with
        missing values when ``y`` is not given), every column with missing
        values in ``fit`` (``"all"``), or none.
    scaler : {"standard", "robust", "quantile", "power"} or None, default="standard"
        Scaling of numeric and datetime features; ``None`` for trees.
    datetime_cyclic : bool, default=True
        Add sin/cos encodings of the cyclic calendar parts.
    text_width : int or None, default=64
        SVD components of the TF-IDF of all text columns together;
        ``None`` keeps the sparse TF-IDF and token features (the output may
        then be sparse).
    selector : {"mutual_info", "l1", "tree"} or None, default=None
        Feature selection method (see :class:`FeatureSelector`); needs ``y``.
    k : "auto", int or float, default="auto"
        Features the selector keeps.
    cardinality_threshold : int, default=32
        Detection: categorical columns with more levels are high-cardinality.
    target_type : {"auto", "continuous", "binary", "multiclass"}, default="auto"
        Type of ``y`` for target encoding, the indicator test and selection
        (say ``"continuous"`` for an integer-valued regression target).
    dtype : numpy float dtype, default=np.float32
        Dtype of the output (float32 halves the memory of float64).
    random_state : int, RandomState instance or None, default=None
        Seeds the target encoding folds, subsamples, SVD and selection.

    Attributes
    ----------
    column_kinds_ : dict
        Column -> kind used, the inspectable decision per column.
    transformer_ : ColumnTransformer
        The fitted column transformer.
    selector_ : FeatureSelector or None
        The fitted selector (``None`` without one, or when no feature
        but ordinal-coded ones was left to select from).
    missing_indicator_columns_ : list
        Columns given a missingness indicator.
    categorical_features_ : ndarray of int
        Output positions of the ordinal-coded categorical columns.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names seen in ``fit`` (DataFrame input only).

    See Also
    --------
    infer_column_kinds : The detection, on its own.
    sklearn.compose.ColumnTransformer : What ``transformer_`` is.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import AutoFeaturizer
    >>> X = pd.DataFrame({
    ...     "age": [31.0, 45.0, None, 23.0, 52.0, 38.0],
    ...     "plan": ["basic", "pro", "pro", None, "basic", "pro"],
    ...     "since": pd.to_datetime(["2021-01-04", "2022-06-30", "2023-03-15",
    ...                              "2021-11-11", "2020-02-29", "2024-08-01"]),
    ...     "user_id": ["u1", "u2", "u3", "u4", "u5", "u6"],
    ... })
    >>> feat = AutoFeaturizer(datetime_cyclic=False, kinds={"user_id": "id"}).fit(X)
    >>> feat.column_kinds_
    {'age': 'numeric', 'plan': 'categorical', 'since': 'datetime', 'user_id': 'id'}
    >>> feat.get_feature_names_out()[:5]
    array(['plan_basic', 'plan_pro', 'plan_nan', 'age', 'since_year'],
          dtype=object)
    >>> feat.transform(X).shape
    (6, 12)
    >>> feat.get_feature_names_out()[-1]  # no y given: every column with NaN
    'missingindicator_age'
    """

    _parameter_constraints: ClassVar[dict] = {
        "kinds": [dict, None],
        "encoder": [StrOptions(_ENCODERS)],
        "high_cardinality_encoder": [StrOptions(_ENCODERS)],
        "imputer": [StrOptions({"median", "mean", "constant"}), None],
        "missing_indicator": [StrOptions({"auto", "all"}), None],
        "scaler": [StrOptions({"standard", "robust", "quantile", "power"}), None],
        "datetime_cyclic": ["boolean"],
        "text_width": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "selector": [StrOptions({"mutual_info", "l1", "tree"}), None],
        "k": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
        ],
        "cardinality_threshold": [Interval(numbers.Integral, 1, None, closed="left")],
        "target_type": [StrOptions({"auto", "continuous", "binary", "multiclass"})],
        "dtype": "no_validation",
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        kinds=None,
        encoder="onehot",
        high_cardinality_encoder="target",
        imputer="median",
        missing_indicator="auto",
        scaler="standard",
        datetime_cyclic=True,
        text_width=64,
        selector=None,
        k="auto",
        cardinality_threshold=32,
        target_type="auto",
        dtype=np.float32,
        random_state=None,
    ):
        self.kinds = kinds
        self.encoder = encoder
        self.high_cardinality_encoder = high_cardinality_encoder
        self.imputer = imputer
        self.missing_indicator = missing_indicator
        self.scaler = scaler
        self.datetime_cyclic = datetime_cyclic
        self.text_width = text_width
        self.selector = selector
        self.k = k
        self.cardinality_threshold = cardinality_threshold
        self.target_type = target_type
        self.dtype = dtype
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Detect the column kinds and fit their transformers.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
            Target: needed by target encoding and feature selection, used
            by the missingness test.

        Returns
        -------
        self : object
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit and featurize ``X``.

        With target encoding, the output for the training rows is
        cross-fitted (out-of-fold) and so differs from ``fit(X, y).transform(X)``,
        as with :class:`~sklearn.preprocessing.TargetEncoder`.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), optional
        **fit_params : dict
            Ignored.

        Returns
        -------
        X_out : ndarray (or sparse matrix, see ``text_width``)
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        dtype = float_dtype(self.dtype)
        X = validate_table(self, X, reset=True)
        if self.selector is not None and y is None:
            raise ValueError(
                f"selector={self.selector!r} needs y; pass y to fit or set "
                "selector=None."
            )
        if y is not None:
            y = np.asarray(y)
            if y.ndim != 1 or len(y) != X.shape[0]:
                raise ValueError(
                    f"y must be 1-dimensional with {X.shape[0]} entries (one per row "
                    f"of X), got shape {y.shape}."
                )
        self.column_kinds_ = infer_column_kinds(
            X, kinds=self.kinds, cardinality_threshold=self.cardinality_threshold
        )
        dropped = {c: k for c, k in self.column_kinds_.items() if k in DROPPED_KINDS}
        if dropped:
            logger.debug("AutoFeaturizer leaves out %s", dropped)
        rng = check_random_state(self.random_state)
        self._seed = int(rng.randint(np.iinfo(np.int32).max))
        self.missing_indicator_columns_ = self._indicator_columns(X, y)
        self.transformer_ = self._make_transformer(X, y, dtype)
        out = self.transformer_.fit_transform(X, y)
        if not out.shape[1]:  # every column left out
            out = out.astype(dtype)
        self._names = self._output_names()
        self.categorical_features_ = np.arange(self._n_ordinal)
        self.selector_ = None
        if self.selector is not None and out.shape[1] > self._n_ordinal:
            self.selector_ = FeatureSelector(
                method=self.selector, k=self.k, target_type=self.target_type,
                random_state=self._seed,
            ).fit(out[:, self._n_ordinal:], y)
            out = self._select(out)
        return out

    def _positions(self, X, *kinds):
        columns = list(X.columns) if isinstance(X, pd.DataFrame) else range(X.shape[1])
        return [j for j, c in enumerate(columns) if self.column_kinds_[c] in kinds]

    def _make_transformer(self, X, y, dtype):
        low = self._positions(X, "categorical")
        high = self._positions(X, "high_cardinality")
        by_encoder = {name: [] for name in ("ordinal", "onehot", "target")}
        by_encoder[self.encoder] += low
        by_encoder[self.high_cardinality_encoder] += high
        ordinal = sorted(j for j in by_encoder["ordinal"] if j in set(low)) + sorted(
            j for j in by_encoder["ordinal"] if j in set(high)
        )
        self._n_ordinal = len(ordinal)
        seed = self._seed
        steps = []
        if ordinal:
            steps.append(("ordinal", CategoricalEncoder(
                "ordinal", max_categories=MAX_ORDINAL_CATEGORIES, dtype=dtype), ordinal))
        if self.encoder == "onehot" and low:
            steps.append(("onehot", CategoricalEncoder("onehot", dtype=dtype), low))
        if self.high_cardinality_encoder == "onehot" and high:
            steps.append(("onehot_high", CategoricalEncoder(
                "onehot", max_categories=self.cardinality_threshold, dtype=dtype), high))
        target = sorted(by_encoder["target"])
        if target:
            if y is None:
                names = [self._column(X, j) for j in target]
                raise ValueError(
                    f"Target encoding of column(s) {names} needs y; pass y to fit or "
                    "choose encoder/high_cardinality_encoder='ordinal' or 'onehot'."
                )
            steps.append(("target", CategoricalEncoder(
                "target", target_type=self.target_type, dtype=dtype,
                random_state=seed), target))
        numeric = self._positions(X, "numeric")
        if numeric:
            steps.append(("numeric", NumericTransformer(
                self.imputer, scaler=self.scaler, dtype=dtype, random_state=seed),
                numeric))
        boolean = self._positions(X, "boolean")
        if boolean:
            steps.append(("boolean", NumericTransformer(self.imputer, dtype=dtype), boolean))
        dates = self._positions(X, "datetime")
        if dates:
            steps.append(("datetime", Pipeline([
                ("parts", DatetimeFeatures(cyclic=self.datetime_cyclic, dtype=dtype)),
                ("numeric", NumericTransformer(
                    self.imputer, scaler=self.scaler, dtype=dtype, copy=False,
                    random_state=seed)),
            ]), dates))
        text = self._positions(X, "text")
        if text:
            steps.append(("text", TextFeatures(
                n_components=self.text_width, dtype=dtype, random_state=seed), text))
        tokens = self._positions(X, "tokens")
        sparse_text = bool(text) and self.text_width is None
        if tokens:
            steps.append(("tokens", TokenFeatures(
                max_features=MAX_TOKENS, min_df=MIN_TOKEN_ROWS,
                sparse_output=sparse_text, dtype=dtype), tokens))
        if self.missing_indicator_columns_:
            steps.append(("missing", MissingValueIndicator(dtype=dtype),
                          self._positions_of(X, self.missing_indicator_columns_)))
        transformer = ColumnTransformer(
            steps, remainder="drop", sparse_threshold=0.3 if sparse_text else 0.0,
            verbose_feature_names_out=False,
        )
        # Inner steps always return arrays (a global pandas output would cost copies);
        # set_output on this estimator converts the final result only.
        return transformer.set_output(transform="default")

    @staticmethod
    def _column(X, j):
        return X.columns[j] if isinstance(X, pd.DataFrame) else j

    @staticmethod
    def _positions_of(X, columns):
        if not isinstance(X, pd.DataFrame):
            return list(columns)
        index = {c: j for j, c in enumerate(X.columns)}
        return [index[c] for c in columns]

    def _indicator_columns(self, X, y):
        """Imputed columns whose missingness gets its own feature."""
        if self.missing_indicator is None or self.imputer is None:
            return []
        cols = self._positions(X, "numeric", "boolean", "datetime")
        if not cols:
            return []
        if isinstance(X, pd.DataFrame):
            missing = X.iloc[:, cols].isna().to_numpy()
        else:
            missing = pd.isna(X[:, cols])
        rate = missing.mean(axis=0)
        partial = (rate > 0) & (rate < 1)
        chosen = [cols[i] for i in np.flatnonzero(partial)]
        if self.missing_indicator == "auto" and y is not None and chosen:
            flags = missing[:, partial]
            target = y
            if len(y) > _MISSING_TEST_ROWS:
                rows = check_random_state(self._seed).choice(
                    len(y), _MISSING_TEST_ROWS, replace=False)
                flags, target = flags[rows], y[rows]
            test = f_classif if self._classification(target) else f_regression
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # one class, or a flag that splits y perfectly: p is NaN or 0
                warnings.simplefilter("ignore", RuntimeWarning)
                pvalues = test(flags.astype(np.float64), target)[1]
            chosen = [c for c, p in zip(chosen, pvalues, strict=True) if p < _MISSING_ALPHA]
        return [self._column(X, j) for j in chosen]

    def _classification(self, y):
        kind = self.target_type
        if kind == "auto":
            kind = type_of_target(y, input_name="y")
        return kind != "continuous"

    def _output_names(self):
        try:
            return np.asarray(self.transformer_.get_feature_names_out(), dtype=object)
        except ValueError:  # the short names collide: prefix them with their step
            self.transformer_.set_params(verbose_feature_names_out=True)
            return np.asarray(self.transformer_.get_feature_names_out(), dtype=object)

    def _select(self, out):
        kept = self.selector_.transform(out[:, self._n_ordinal:])
        if not self._n_ordinal:
            return kept
        if sparse.issparse(out):
            return sparse.hstack([out[:, : self._n_ordinal], kept], format="csr")
        return np.hstack([out[:, : self._n_ordinal], kept])

    def transform(self, X):
        """Featurize ``X`` with the fitted transformers.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The columns of ``fit``, by name and in order.

        Returns
        -------
        X_out : ndarray (or sparse matrix, see ``text_width``)
        """
        check_is_fitted(self, "transformer_")
        X = validate_table(self, X, reset=False)
        if not len(self._names):  # every column left out
            out = np.zeros((X.shape[0], 0), dtype=float_dtype(self.dtype))
        elif self.transformer_.sparse_output_:
            out = self.transformer_.transform(X)
        else:
            out = self._transform_into_one_array(X)
        return out if self.selector_ is None else self._select(out)

    def _transform_into_one_array(self, X):
        """What ``transformer_.transform`` returns, without its second copy.

        ColumnTransformer keeps every block until it stacks them; here each
        block is written into the output as soon as it is made, so the peak
        memory is the output plus one block.
        """
        ct = self.transformer_
        out = np.empty((X.shape[0], len(self._names)), dtype=float_dtype(self.dtype))
        # X was validated above: each step gets its columns, each pulled from
        # the frame once, through its private _transform_columns, which skips
        # the per-step validation (4 checks of the same table otherwise).
        items = list(X.items()) if isinstance(X, pd.DataFrame) else None
        for name, step, cols in ct.transformers_:
            where = ct.output_indices_[name]
            if isinstance(step, str) or where.stop == where.start:
                continue
            if not _has_fast_path(step):
                out[:, where] = step.transform(
                    X.iloc[:, cols] if items is not None else X[:, cols])
                continue
            block = [items[j] for j in cols] if items is not None else X[:, cols]
            steps = step.steps if isinstance(step, Pipeline) else [(name, step)]
            for _, inner in steps:
                block = inner._transform_columns(block)
            out[:, where] = block
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output features.

        Parameters
        ----------
        input_features : array-like of str, optional
            Ignored beyond validation (names come from ``fit``).

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self, "transformer_")
        _check_feature_names_in(self, input_features)
        names = self._names
        if self.selector_ is None:
            return names.copy()
        keep = np.concatenate(
            [np.ones(self._n_ordinal, dtype=bool), self.selector_.get_support()]
        )
        return names[keep]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True
        tags.input_tags.categorical = True
        tags.transformer_tags.preserves_dtype = [float_dtype(self.dtype).name]
        return tags


def _has_fast_path(step):
    """Whether ``step`` (or every step of a pipeline) has ``_transform_columns``."""
    steps = [s for _, s in step.steps] if isinstance(step, Pipeline) else [step]
    return all(hasattr(s, "_transform_columns") for s in steps)
