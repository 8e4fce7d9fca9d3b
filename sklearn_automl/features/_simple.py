"""The foundation's featurizer: impute, encode and scale with sklearn parts.

Kept as a small, dependency-free baseline; :class:`AutoFeaturizer` is what
the AutoML search uses.
"""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from ._encoders import CategoryNormalizer

__all__ = ["make_simple_featurizer"]

#: categories kept per column by one-hot encoding (the rest is "infrequent")
MAX_ONEHOT_CATEGORIES = 32
#: categories kept per column by ordinal encoding (tree learners bin to 255)
MAX_ORDINAL_CATEGORIES = 254


def make_simple_featurizer(kinds, *, encoding="onehot", scale=True):
    """Build an unfitted ``ColumnTransformer`` for the given column kinds.

    Categorical columns come first in the output, so with
    ``encoding="ordinal"`` they are columns ``0 .. n_categorical - 1`` (what
    tree learners with native categorical support are told).

    Parameters
    ----------
    kinds : dict
        Column -> kind, as returned by :func:`infer_column_kinds`:
        ``"categorical"`` and ``"high_cardinality"`` columns are encoded,
        ``"numeric"`` and ``"boolean"`` ones imputed (and scaled), the
        other kinds left out.
    encoding : {"onehot", "ordinal"}, default="onehot"
        Encoding of categorical columns. Unknown and missing categories map
        to all-zeros (one-hot) or ``-1`` (ordinal, which LightGBM and
        HistGradientBoosting treat as missing).
    scale : bool, default=True
        Standardize numeric columns.

    Returns
    -------
    featurizer : ColumnTransformer

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import infer_column_kinds, make_simple_featurizer
    >>> X = pd.DataFrame({"age": [30.0, None, 50.0], "city": ["a", "b", None]})
    >>> make_simple_featurizer(infer_column_kinds(X)).fit_transform(X).shape
    (3, 5)
    """
    cat = [c for c, k in kinds.items() if k in ("categorical", "high_cardinality")]
    num = [c for c, k in kinds.items() if k in ("numeric", "boolean")]
    if encoding == "onehot":
        encoder = OneHotEncoder(
            handle_unknown="infrequent_if_exist",
            max_categories=MAX_ONEHOT_CATEGORIES,
            sparse_output=False,
        )
    elif encoding == "ordinal":
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=-1,
            encoded_missing_value=-1,
            max_categories=MAX_ORDINAL_CATEGORIES,
        )
    else:
        raise ValueError(f"encoding must be 'onehot' or 'ordinal', got {encoding!r}.")
    num_steps = [
        (
            "impute",
            SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        )
    ]
    if scale:
        num_steps.append(("scale", StandardScaler()))
    transformers = []
    if cat:
        transformers.append(
            ("cat", Pipeline([("normalize", CategoryNormalizer()), ("encode", encoder)]), cat)
        )
    if num:
        transformers.append(("num", Pipeline(num_steps), num))
    return ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
