"""Input validation of the AutoML estimators: X, y and prediction input.

Every check raises a ``ValueError``/``TypeError`` that names what is wrong
and what would be right, before any search work starts.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

__all__ = [
    "check_predict_input",
    "validate_classification_target",
    "validate_regression_target",
    "validate_training_data",
]

#: largest |y| of a regression target (its square and sums must stay finite)
MAX_TARGET_MAGNITUDE = 1e100


def validate_training_data(estimator, X, y):
    """Checked ``(X, y)`` for ``fit``; sets ``n_features_in_``, ``input_shape_``.

    DataFrames stay DataFrames (their columns are checked here, typed by the
    featurizer later); arrays become numeric arrays (NaN allowed); arrays of
    3 or 4 dimensions, or any X with ``input_shape``, are images. ``y`` goes
    through the estimator's ``_validate_y``.
    """
    if y is None:
        raise ValueError(
            f"{type(estimator).__name__} requires y to be passed, but the target y "
            "is None."
        )
    estimator.input_shape_ = None
    if not isinstance(X, pd.DataFrame) and (
        estimator.input_shape is not None or ndim(X) in (3, 4)
    ):
        # images: searched with the CNN family only (see make_image_plan)
        from .nas._estimators import image_batch

        X = validate_data(estimator, X, reset=True, dtype="numeric", allow_nd=True)
        estimator.input_shape_ = image_batch(X[:1], estimator.input_shape).shape[1:]
    elif isinstance(X, pd.DataFrame):
        check_frame(X)
        X = dense_columns(X)
        validate_data(estimator, X, reset=True, skip_check_array=True)
    else:
        if hasattr(X, "tocsr") or hasattr(X, "toarray"):
            raise TypeError(
                "Sparse input is not supported by the featurizer; pass a dense "
                "array or a DataFrame."
            )
        try:
            X = validate_data(
                estimator, X, reset=True, dtype="numeric", ensure_all_finite="allow-nan"
            )
        except ValueError as exc:
            if "convert" in str(exc) or "strings" in str(exc):
                raise ValueError(
                    "X holds non-numeric values; pass mixed-type data as a "
                    f"pandas DataFrame. ({exc})"
                ) from exc
            raise
    y = estimator._validate_y(y)
    check_consistent_length(X, y)
    return X, y


def check_predict_input(estimator, X):
    """``X`` checked against what ``fit`` saw (names, order, kinds)."""
    check_is_fitted(estimator, "best_estimator_")
    if getattr(estimator, "input_shape_", None) is not None:
        return validate_data(estimator, X, reset=False, dtype="numeric", allow_nd=True)
    if hasattr(estimator, "feature_names_in_"):
        if not isinstance(X, pd.DataFrame):
            raise TypeError(
                f"{type(estimator).__name__} was fitted on a DataFrame with columns "
                f"{list(estimator.feature_names_in_)}; pass a DataFrame with those "
                f"columns, got {type(X).__name__}."
            )
        validate_data(estimator, X, reset=False, skip_check_array=True)
        check_frame(X)
        return dense_columns(X)
    if isinstance(X, pd.DataFrame):
        check_frame(X)
        X = dense_columns(X)
        if not is_numeric_frame(X):
            validate_data(estimator, X, reset=False, skip_check_array=True)
            return X
    return validate_data(
        estimator, X, reset=False, dtype="numeric", ensure_all_finite="allow-nan"
    )


def validate_classification_target(y, name):
    """``(y, classes)`` for a classifier named ``name``."""
    y = as_1d(y, name)
    if pd.isna(pd.Series(y, dtype=object)).any():
        raise ValueError(
            "y contains missing values (NaN/None); drop those rows or fill "
            "them before fitting."
        )
    _check_label_types(y)
    kind = type_of_target(y)
    if kind in ("continuous", "continuous-multioutput"):
        raise ValueError(
            f"Unknown label type: {kind}. {name} needs class labels; "
            "use AutoMLRegressor for a continuous target."
        )
    check_classification_targets(y)
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"y has only one class ({classes[0]!r}); classification needs at "
            "least 2 classes."
        )
    return y, classes


def validate_regression_target(y, name):
    """``y`` as finite float64 for a regressor named ``name``."""
    y = as_1d(y, name)
    try:
        y = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"y must be numeric for {name}; use AutoMLClassifier for "
            "class labels."
        ) from None
    if np.isnan(y).any():
        raise ValueError(
            "y contains missing values (NaN); drop those rows or fill them "
            "before fitting."
        )
    if np.isinf(y).any():
        raise ValueError("y contains infinity; the target must be finite.")
    largest = float(np.max(np.abs(y)))
    if largest > MAX_TARGET_MAGNITUDE:
        raise ValueError(
            f"y has values up to {largest:.3g} in magnitude; errors and scores "
            f"square the target, which overflows beyond {MAX_TARGET_MAGNITUDE:g}. "
            "Rescale y (divide it by a power of ten) and scale the predictions back."
        )
    return y


def _check_label_types(y):
    """Class labels of one type: strings, or numbers (booleans count as such)."""
    if y.dtype != object:
        return
    groups = {}
    for value in pd.unique(y):
        group = "str" if isinstance(value, str) else (
            "number" if isinstance(value, numbers.Number) else type(value).__name__)
        groups.setdefault(group, value)
    if len(groups) > 1:
        examples = ", ".join(f"{v!r} ({g})" for g, v in groups.items())
        raise ValueError(
            f"y mixes label types: {examples}; class labels must be all strings or "
            "all numbers, e.g. y.astype(str)."
        )


def check_frame(X):
    """A DataFrame with rows, columns, unique names and values we can featurize.

    Raises a ``ValueError`` naming the column for infinity, complex numbers
    and bytes that are not UTF-8 text.
    """
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X is empty (shape {X.shape}); at least one row and one column are "
            "needed."
        )
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"X has duplicated column names: {dup}; names must be unique.")
    for name, col in X.items():
        dtype = col.dtype
        if isinstance(dtype, pd.SparseDtype):
            dtype = dtype.subtype
        if pd.api.types.is_complex_dtype(dtype):
            raise ValueError(
                f"Column {name!r} holds complex numbers ({dtype}), which the models "
                f"cannot take; pass its parts as two real columns, e.g. "
                f"X[{name!r}].to_numpy().real and .imag."
            )
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(
            dtype
        ):
            values = col.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(values).any():
                raise ValueError(
                    f"Column {name!r} contains infinity; replace it with a finite "
                    "value or NaN (missing)."
                )
        elif dtype == object:
            _check_objects(col, name)


def _check_objects(col, name):
    """Bytes must be UTF-8 text and numbers not complex, naming the column."""
    kind = pd.api.types.infer_dtype(col, skipna=True)
    if kind not in ("bytes", "mixed", "mixed-integer", "complex"):
        return
    for value in pd.unique(col.to_numpy(dtype=object)):
        if isinstance(value, bytes):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError(
                    f"Column {name!r} holds bytes that are not UTF-8 text (e.g. "
                    f"{value[:20]!r}); decode the column to str first, e.g. "
                    f"X[{name!r}].str.decode('latin-1')."
                ) from None
        elif isinstance(value, complex | np.complexfloating):
            raise ValueError(  # noqa: TRY004 - as for a complex dtype column
                f"Column {name!r} holds complex numbers (e.g. {value!r}), which the "
                "models cannot take; pass the real and imaginary parts as two "
                "columns."
            )


def dense_columns(X):
    """``X`` with its sparse (``pd.SparseDtype``) columns made dense.

    Sparse columns are featurized like dense ones; scikit-learn's array
    conversion of a sparse frame cannot take a NaN fill value.
    """
    sparse = [name for name, dtype in X.dtypes.items()
              if isinstance(dtype, pd.SparseDtype)]
    if not sparse:
        return X
    X = X.copy(deep=False)
    for j, dtype in enumerate(X.dtypes):
        if isinstance(dtype, pd.SparseDtype):
            X.isetitem(j, X.iloc[:, j].sparse.to_dense())
    return X


def ndim(X):
    """Dimensions of array-like ``X`` without converting array-likes to arrays."""
    if hasattr(X, "ndim"):
        return X.ndim
    if isinstance(X, (list, tuple)):
        try:
            return np.asarray(X).ndim
        except ValueError:  # ragged
            return None
    return None


def is_numeric_frame(X):
    """Whether every column is numeric (categoricals are not)."""
    return all(
        pd.api.types.is_numeric_dtype(d) and not isinstance(d, pd.CategoricalDtype)
        for d in X.dtypes
    )


def as_1d(y, name):
    """``y`` as a 1-d array (one-column frames and column vectors accepted)."""
    if isinstance(y, pd.DataFrame):
        if y.shape[1] != 1:
            raise ValueError(
                f"y must be one column; got a DataFrame with {y.shape[1]} columns "
                "(multi-output targets are not supported)."
            )
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        y = y.to_numpy(dtype=object if y.dtype == object or isinstance(
            y.dtype, pd.CategoricalDtype | pd.StringDtype) else None)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed when a 1d array was expected. Please "
            "change the shape of y to (n_samples,), for example using ravel().",
            DataConversionWarning,
            stacklevel=4,
        )
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-dimensional, got shape {y.shape} (multi-output targets "
            f"are not supported by {name})."
        )
    if y.shape[0] == 0:
        raise ValueError("y is empty; at least one sample is needed.")
    return y
