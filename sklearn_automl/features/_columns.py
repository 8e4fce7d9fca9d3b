"""Column-kind detection for the featurizer.

This module must import only numpy/pandas/sklearn: ``export_code`` inlines it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["infer_column_kinds"]

#: kinds the simple featurizer understands
KINDS = ("numeric", "categorical", "drop")


def infer_column_kinds(X):
    """Decide, per column, how the featurizer treats it.

    Parameters
    ----------
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Training data. Non-DataFrame input is numeric by construction.

    Returns
    -------
    kinds : dict
        Column (name for DataFrames, index otherwise) -> ``"numeric"``
        (numbers and booleans), ``"categorical"`` (strings, categories,
        mixed objects) or ``"drop"`` (datetimes and other types the simple
        featurizer cannot use; kept out with a logged notice).

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_automl.features import infer_column_kinds
    >>> infer_column_kinds(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}))
    {'a': 'numeric', 'b': 'categorical'}
    """
    if not isinstance(X, pd.DataFrame):
        return {i: "numeric" for i in range(np.shape(X)[1])}
    kinds = {}
    for name, dtype in X.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            kinds[name] = "categorical"
        elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            kinds[name] = "numeric"
        elif pd.api.types.is_datetime64_any_dtype(dtype) or isinstance(
            dtype, pd.PeriodDtype | pd.IntervalDtype
        ) or pd.api.types.is_timedelta64_dtype(dtype):
            kinds[name] = "drop"
        else:
            kinds[name] = "categorical"
    return kinds
