"""Supervised feature selection with an automatic number of features.

This module imports only numpy/scipy/sklearn (and its siblings through
single-line relative imports that ``export_code`` strips when it inlines
the package).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, _fit_context
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_selection import (
    SelectorMixin,
    mutual_info_classif,
    mutual_info_regression,
)
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression
from sklearn.metrics import log_loss
from sklearn.preprocessing import StandardScaler
from sklearn.svm import l1_min_c
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["FeatureSelector"]

#: at most this many permuted ("shadow") copies of features form the null
_MAX_SHADOWS = 100
#: penalties tried along the L1 path
_PATH_LENGTH = 25


class FeatureSelector(SelectorMixin, BaseEstimator):
    """Keep the features that carry information about the target.

    Each feature gets an importance score from one of three methods, and
    the ``k`` best are kept. With ``k="auto"`` the number follows from the
    data:

    - ``"mutual_info"``: mutual information with the target (kNN estimate;
      counting for features with at most 10 distinct values). A feature is
      kept when it beats every *shadow* feature: a copy of a feature with
      its rows permuted, which has the same distribution and no relation to
      the target (the Boruta criterion, in one pass; up to 100 shadows).
      Discrete and continuous features are compared with shadows of their
      own type, as their scores have different null distributions.
    - ``"tree"``: impurity importance in an extra-trees model fitted on
      the features and their shadows; same criterion.
    - ``"l1"``: absolute coefficients of an L1-penalized linear model
      (logistic regression or lasso) on standardized features. Along the
      regularization path, each set of selected features is refit without
      penalty and scored by BIC (a consistent model-selection criterion);
      the features of the best set are kept.

    At least one feature is always kept. Scores are computed on at most
    ``max_samples`` rows. Missing values are filled with column medians for
    scoring only.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    method : {"mutual_info", "l1", "tree"}, default="mutual_info"
        The importance score.
    k : "auto", int or float, default="auto"
        Features kept: ``"auto"`` (see above), a count, or a fraction in
        (0, 1) of the features.
    target_type : {"auto", "continuous", "binary", "multiclass"}, default="auto"
        Classification or regression scores; ``"auto"`` infers it from ``y``.
    max_samples : int, default=10_000
        Rows the scores are computed on (a random subsample above).
    random_state : int, RandomState instance or None, default=None
        Seeds the subsample, the shadows and the models.

    Attributes
    ----------
    scores_ : ndarray of shape (n_features,)
        Importance of each feature (higher is better).
    threshold_ : ndarray of shape (n_features,) or None
        With ``k="auto"``, the score each feature had to exceed: the best
        score of a shadow of the same type (discrete or continuous), or 0
        for ``"l1"`` (the BIC-chosen model's non-zero coefficients).
    support_ : ndarray of bool, shape (n_features,)
        The kept features.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of features seen in ``fit`` (DataFrame input only).

    See Also
    --------
    sklearn.feature_selection.SelectKBest : Selection with a fixed ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_automl.features import FeatureSelector
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(300, 6))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> sel = FeatureSelector(method="tree", random_state=0).fit(X, y)
    >>> sel.get_support(indices=True)
    array([0, 1])
    >>> FeatureSelector(method="mutual_info", k=3, random_state=0).fit(X, y).transform(X).shape
    (300, 3)
    """

    _parameter_constraints: ClassVar[dict] = {
        "method": [StrOptions({"mutual_info", "l1", "tree"})],
        "k": [
            StrOptions({"auto"}),
            Interval(numbers.Integral, 1, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
        ],
        "target_type": [StrOptions({"auto", "continuous", "binary", "multiclass"})],
        "max_samples": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method="mutual_info",
        *,
        k="auto",
        target_type="auto",
        max_samples=10_000,
        random_state=None,
    ):
        self.method = method
        self.k = k
        self.target_type = target_type
        self.max_samples = max_samples
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Score the features and choose those to keep.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
            ensure_all_finite="allow-nan",
        )
        rng = check_random_state(self.random_state)
        classification = self._is_classification(y)
        if classification:
            y = np.unique(y, return_inverse=True)[1]
        if X.shape[0] > self.max_samples:
            rows = np.sort(rng.choice(X.shape[0], self.max_samples, replace=False))
            X, y = X[rows], y[rows]
        X = _fill_missing(X)
        p = X.shape[1]
        self.threshold_ = None
        if self.method == "l1":
            self.scores_ = _l1_scores(X, y, classification, rng, self.k == "auto")
            if self.k == "auto":
                self.threshold_ = np.zeros(p)
        else:
            discrete = _few_values(X)
            shadows = cols = None
            if self.k == "auto":
                cols = _shadow_columns(discrete, rng)
                shadows = _permuted(X[:, cols], rng)
            scores = self._scores(X, shadows, y, discrete, cols, classification, rng)
            self.scores_ = scores[:p]
            if shadows is not None:
                self.threshold_ = _thresholds(scores[p:], discrete, discrete[cols])
        self.support_ = self._support(p)
        return self

    def _is_classification(self, y):
        kind = self.target_type
        if kind == "auto":
            kind = type_of_target(y, input_name="y")
        return kind != "continuous"

    def _scores(self, X, shadows, y, discrete, cols, classification, rng):
        full = X if shadows is None else (
            sparse.hstack([X, shadows], format="csr") if sparse.issparse(X)
            else np.hstack([X, shadows])
        )
        if shadows is not None:
            discrete = np.concatenate([discrete, discrete[cols]])
        seed = rng.randint(np.iinfo(np.int32).max)
        if self.method == "mutual_info":
            score = mutual_info_classif if classification else mutual_info_regression
            with warnings.catch_warnings():
                # sklearn's contingency MI warns about float-valued discrete columns
                warnings.simplefilter("ignore", UserWarning)
                return score(full, y, discrete_features=discrete, random_state=seed)
        model = (ExtraTreesClassifier if classification else ExtraTreesRegressor)(
            n_estimators=100, max_features="sqrt", min_samples_leaf=2,
            random_state=seed,
        )
        return model.fit(full, y).feature_importances_

    def _support(self, p):
        order = np.argsort(-self.scores_, kind="stable")
        if self.k == "auto":
            support = self.scores_ > self.threshold_
            if not support.any():
                support[order[0]] = True
            return support
        n_keep = self.k if isinstance(self.k, numbers.Integral) else math.ceil(self.k * p)
        support = np.zeros(p, dtype=bool)
        support[order[: min(n_keep, p)]] = True
        return support

    def _get_support_mask(self):
        check_is_fitted(self, "support_")
        return self.support_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = True
        return tags


def _fill_missing(X):
    if sparse.issparse(X):
        X = X.copy()
        X.data = np.nan_to_num(X.data)
        return X
    missing = np.isnan(X)
    if not missing.any():
        return X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        medians = np.nan_to_num(np.nanmedian(X, axis=0))
    return np.where(missing, medians, X)


def _permuted(X, rng):
    if sparse.issparse(X):
        X = X.tocsc()
        cols = [X[:, [j]][rng.permutation(X.shape[0])] for j in range(X.shape[1])]
        return sparse.hstack(cols, format="csr")
    return np.column_stack([X[rng.permutation(X.shape[0]), j] for j in range(X.shape[1])])


def _few_values(X, limit=10):
    """Columns with at most ``limit`` distinct values (scored as discrete).

    Sparse input is all discrete: sklearn's kNN estimate needs dense columns.
    """
    if sparse.issparse(X):
        return np.ones(X.shape[1], dtype=bool)
    ordered = np.sort(X, axis=0)
    n_distinct = 1 + (np.diff(ordered, axis=0) != 0).sum(axis=0)
    return n_distinct <= limit


def _shadow_columns(discrete, rng):
    """Up to ``_MAX_SHADOWS`` columns to permute, shared by discrete and continuous."""
    groups = [g for g in (np.flatnonzero(discrete), np.flatnonzero(~discrete)) if len(g)]
    per_group = _MAX_SHADOWS // len(groups)
    chosen = [rng.choice(g, min(len(g), per_group), replace=False) for g in groups]
    return np.sort(np.concatenate(chosen))


def _thresholds(shadow_scores, discrete, shadow_discrete):
    """Per feature, the best score of a shadow of the same type (discrete or not).

    Scores of discrete and continuous features have different null
    distributions (counting vs kNN estimates, impurity bias), so each feature
    competes with shadows of its own type; with none of them, with all.
    """
    out = np.empty(len(discrete))
    for flag in (True, False):
        same = shadow_scores[shadow_discrete == flag]
        out[discrete == flag] = (same if same.size else shadow_scores).max()
    return out


def _l1_scores(X, y, classification, rng, choose=True):
    """|coefficients| of the L1-path model with the lowest relaxed BIC.

    With ``choose=False`` (a fixed ``k``), those of the least penalized
    path model, which ranks every feature.

    Along the L1 regularization path each distinct set of selected features
    is refit with (almost) no penalty and scored by the Bayesian information
    criterion, ``-2 log-likelihood + n_parameters log(n_samples)``; the path
    model of the best set gives the scores. Refitting ("relaxed lasso")
    matters: the shrunk path fits favour letting noise features in, and so
    does the cross-validated penalty.
    """
    X = StandardScaler(with_mean=not sparse.issparse(X)).fit_transform(X)
    n = X.shape[0]
    if classification:
        n_classes = np.count_nonzero(np.bincount(y))
        if n_classes < 2:
            return np.zeros(X.shape[1])
        seed = rng.randint(np.iinfo(np.int32).max)
        solver = "liblinear" if n_classes == 2 else "saga"
        strengths = l1_min_c(X, y, loss="log") * np.logspace(0.05, 3, _PATH_LENGTH)

        def path_coef(c):
            return LogisticRegression(
                C=c, l1_ratio=1.0, solver=solver, tol=1e-4, max_iter=500,
                random_state=seed,
            ).fit(X, y).coef_

        def deviance(columns):
            if not len(columns):
                return 2 * n * log_loss(y, np.tile(np.bincount(y) / n, (n, 1)))
            # liblinear needs no BLAS: fast for the many small refits (binary)
            refit = LogisticRegression(
                C=100.0, solver="liblinear" if n_classes == 2 else "lbfgs",
                max_iter=200,
            ).fit(X[:, columns], y)
            return 2 * n * log_loss(y, refit.predict_proba(X[:, columns]))

        per_feature = n_classes - 1
    else:
        if n < 3:
            return np.zeros(X.shape[1])
        y = y - y.mean()
        alpha_max = np.max(np.abs(X.T @ y)) / n
        strengths = (alpha_max if alpha_max > 0 else 1.0) * np.logspace(
            -0.05, -3, _PATH_LENGTH
        )

        def path_coef(alpha):
            return Lasso(alpha=alpha, max_iter=2000, tol=1e-4).fit(X, y).coef_

        def deviance(columns):
            if not len(columns):
                return n * np.log(np.mean(y**2) + 1e-300)
            refit = LinearRegression().fit(X[:, columns], y)
            residual = y - refit.predict(X[:, columns])
            return n * np.log(np.mean(residual**2) + 1e-300)

        per_feature = 1
    best = None
    seen = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if not choose:
            return np.abs(np.atleast_2d(path_coef(strengths[-1]))).max(axis=0)
        for strength in strengths:
            coef = np.abs(np.atleast_2d(path_coef(strength))).max(axis=0)
            support = tuple(np.flatnonzero(coef))
            if support in seen:
                continue
            seen.add(support)
            bic = deviance(list(support)) + per_feature * len(support) * np.log(n)
            if best is None or bic < best[0]:
                best = (bic, coef)
            if len(support) > min(n // 2, 200):
                break  # larger models cannot be estimated reliably anyway
    return best[1]
