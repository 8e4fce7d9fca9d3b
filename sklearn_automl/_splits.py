"""The validation splits of a search: every trial is scored on the same folds."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)

__all__ = ["AUTO_HOLDOUT_ROWS", "make_splits"]

#: rows above which cv=None uses one stratified holdout instead of 5 folds
AUTO_HOLDOUT_ROWS = 20_000


def make_splits(X, y, cv, *, classification, seed, images=False):
    """The ``(train, validation)`` index pairs for ``cv`` and the splitter.

    Parameters
    ----------
    X, y : array-like or DataFrame
    cv : int, float, splitter, iterable or None
        int: (stratified) k-fold; float in (0, 1): one (stratified) holdout
        of that fraction; a splitter or iterable: used as is. ``None``: 5
        folds up to :data:`AUTO_HOLDOUT_ROWS` rows, a 20% holdout above (and
        for images, whose trials are costly).
    classification : bool
        Stratify where every class can be represented.
    seed : int
        Seed of the shuffles.
    images : bool, default=False

    Returns
    -------
    splits : list of (ndarray, ndarray)
    splitter : splitter or None
        A public scikit-learn splitter that ``export_code`` and stacking can
        reuse; ``None`` for wrapped iterables.
    """
    n = X.shape[0]
    given = cv
    if cv is None:
        cv = 0.2 if n > AUTO_HOLDOUT_ROWS or images else 5
    if isinstance(cv, numbers.Real) and not isinstance(cv, numbers.Integral):
        n_test = math.ceil(cv * n)
        if n_test < 1 or n - n_test < 1:
            raise ValueError(
                f"cv={cv} as a holdout fraction leaves no rows to train or to "
                f"validate on with n_samples={n}."
            )
        counts = np.bincount(np.unique(y, return_inverse=True)[1]) if (
            classification) else None
        if classification and n_test >= len(counts) and counts.min() >= 2:
            splitter = StratifiedShuffleSplit(1, test_size=cv, random_state=seed)
        else:
            splitter = ShuffleSplit(1, test_size=cv, random_state=seed)
    elif isinstance(cv, numbers.Integral):
        if n < cv:
            raise ValueError(
                f"X has n_samples={n}, fewer than the cv={cv} folds it must be "
                "split into; pass fewer folds or more rows."
            )
        splitter = KFold(cv, shuffle=True, random_state=seed)
        if classification:
            counts = np.bincount(np.unique(y, return_inverse=True)[1])
            if counts.max() >= cv:
                splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
    else:
        splitter = check_cv(cv, y, classifier=classification)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        splits = [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y)]
    if not splits:
        raise ValueError(f"cv={given!r} produced no train/validation split.")
    for tr, te in splits:
        if len(tr) == 0 or len(te) == 0:
            raise ValueError(f"cv={given!r} produced an empty train or test fold.")
    public = not type(splitter).__name__.startswith("_")
    return splits, (splitter if public and hasattr(splitter, "split") else None)
