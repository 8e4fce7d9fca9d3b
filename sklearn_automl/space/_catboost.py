"""The ``catboost`` family: CatBoost with its native categorical features.

CatBoost (the ``boost`` extra) is wrapped in a small scikit-learn estimator,
because CatBoost's own scikit-learn classes do not follow the estimator
contract that the search, ``clone`` and ``export_code`` rely on: their
``get_params`` returns deep copies and drops parameters set to ``None`` or
``thread_count=-1`` (so ``sklearn.base.clone`` fails on a list of
``cat_features``), they refuse float-coded categories, and an exception
raised by a signal handler during training (a trial's deadline) comes out as
``KeyboardInterrupt``. The wrapper fixes all three (the deadline through
:mod:`._catboost_alarm`: never raised inside CatBoost) and never writes a
``catboost_info`` folder.

This module imports catboost at its top; :func:`catboost_available` in
:mod:`sklearn_automl._plan` decides whether it is imported at all.
"""

from __future__ import annotations

import numbers

import catboost
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from ._catboost_alarm import _AlarmGuard, _TrainingLoop
from ._components import Component
from ._early_stopping import EarlyStopping
from ._params import Float, Int

__all__ = [
    "ITERATIONS", "CatBoostSklearnClassifier", "CatBoostSklearnRegressor",
    "CatBoostStopping", "catboost_component",
]

#: the boosting rounds a CatBoost trial may run before it stops early
ITERATIONS = 5_000

#: model parameters the wrapper names (None: CatBoost's default)
_NAMED = (
    "iterations", "learning_rate", "depth", "l2_leaf_reg", "random_strength",
    "bagging_temperature", "border_count", "one_hot_max_size", "loss_function",
    "thread_count",
)


def _category_codes(column):
    """A categorical column as CatBoost takes it: integers, or else strings."""
    values = np.asarray(column)
    if values.dtype.kind in "biu":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        # ordinal codes from a featurizer (missing: -1 or NaN)
        values = np.where(np.isnan(values), -1.0, values)
        if np.all(values == np.round(values)):
            return values.astype(np.int64)
        return values.astype(str)
    return pd.Series(column).astype("string").fillna("nan").to_numpy(dtype=object)


class _CatBoostBase(BaseEstimator):
    """What the classifier and the regressor share (see their docstrings)."""

    _catboost_class = None

    def __init__(
        self,
        iterations=1000,
        learning_rate=None,
        depth=None,
        l2_leaf_reg=None,
        random_strength=None,
        bagging_temperature=None,
        border_count=None,
        one_hot_max_size=None,
        loss_function=None,
        cat_features=None,
        thread_count=None,
        random_state=None,
        params=None,
    ):
        self.iterations = iterations
        self.learning_rate = learning_rate
        self.depth = depth
        self.l2_leaf_reg = l2_leaf_reg
        self.random_strength = random_strength
        self.bagging_temperature = bagging_temperature
        self.border_count = border_count
        self.one_hot_max_size = one_hot_max_size
        self.loss_function = loss_function
        self.cat_features = cat_features
        self.thread_count = thread_count
        self.random_state = random_state
        self.params = params

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _validate(self, X):
        if isinstance(self.random_state, np.random.RandomState):
            raise TypeError(
                "random_state must be an int or None for CatBoost, got a "
                "RandomState instance."
            )
        if self.params is not None and not isinstance(self.params, dict):
            raise TypeError(
                f"params must be a dict of CatBoost parameters or None, got "
                f"{self.params!r}."
            )
        clash = sorted(set(self.params or {}) & {*_NAMED, "cat_features",
                                                 "random_seed", "random_state"})
        if clash:
            raise ValueError(
                f"params: {clash} are parameters of {type(self).__name__} itself; "
                "set them there."
            )
        n_features = X.shape[1]
        cats = [] if self.cat_features is None else list(self.cat_features)
        for j in cats:
            if not isinstance(j, numbers.Integral) or not 0 <= j < n_features:
                raise ValueError(
                    f"cat_features must be column positions in [0, {n_features}), "
                    f"got {self.cat_features!r}."
                )
        return [int(j) for j in cats]

    def _catboost_params(self, cats):
        params = {"verbose": 0, "allow_writing_files": False}
        for name in _NAMED:
            value = getattr(self, name)
            if value is not None and not (name == "thread_count" and value == -1):
                params[name] = value
        if self.random_state is not None:
            params["random_seed"] = int(self.random_state)
        if cats:
            params["cat_features"] = cats
        params.update(self.params or {})
        return params

    def _data(self, X):
        """X as CatBoost takes it: categorical columns as integers or strings."""
        cats = self.cat_features_ if hasattr(self, "cat_features_") else None
        if isinstance(X, pd.DataFrame):
            frame = X.set_axis(range(X.shape[1]), axis=1)
        else:
            X = np.asarray(X)
            if X.ndim != 2:
                raise ValueError(f"X must be 2-dimensional, got shape {X.shape}.")
            if not cats:
                return X
            frame = pd.DataFrame(X)
        if not cats:
            return frame
        columns = {j: frame.iloc[:, j] for j in range(frame.shape[1])}
        for j in cats:
            columns[j] = _category_codes(columns[j])
        return pd.DataFrame(columns, index=frame.index)

    def _fit_shape(self, X):
        """Record the columns of X (``n_features_in_``, ``cat_features_``...)."""
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        shape = np.shape(X)
        if len(shape) != 2:
            raise ValueError(f"X must be 2-dimensional, got shape {shape}.")
        self.cat_features_ = self._validate(X)
        self.n_features_in_ = shape[1]

    def _fit_constant(self, X):
        """A model of one class or one value: no CatBoost (it refuses such y)."""
        self._fit_shape(X)
        self.model_ = None
        self.best_iteration_ = None
        return self

    def _fit(self, X, y, sample_weight, eval_set, early_stopping_rounds, max_time):
        self._fit_shape(X)
        model = self._catboost_class(**self._catboost_params(self.cat_features_))
        data = self._data(X)
        kwargs = {}
        if eval_set is not None:
            X_val, y_val = eval_set
            kwargs["eval_set"] = (self._check_X(X_val, fitting=True), y_val)
            kwargs["use_best_model"] = True
            if early_stopping_rounds is not None:
                kwargs["early_stopping_rounds"] = int(early_stopping_rounds)
        with _AlarmGuard() as guard:
            kwargs["callbacks"] = [_TrainingLoop(guard, max_time)]
            try:
                model.fit(data, y, sample_weight=sample_weight, **kwargs)
            except KeyboardInterrupt:
                if guard.raised:
                    raise guard.raised[-1] from None
                raise
        self.model_ = model
        best = model.get_best_iteration() if eval_set is not None else None
        self.best_iteration_ = None if best is None else int(best) + 1
        return self

    def _check_X(self, X, fitting=False):
        if not fitting:
            check_is_fitted(self)
        n = np.shape(X)[1] if len(np.shape(X)) == 2 else None
        if n != self.n_features_in_:
            raise ValueError(
                f"X has {n} features, but {type(self).__name__} was fitted with "
                f"{self.n_features_in_}."
            )
        return self._data(X)

    @property
    def feature_importances_(self):
        """CatBoost's feature importances (``PredictionValuesChange``), sum 100."""
        check_is_fitted(self)
        if self.model_ is None:
            return np.zeros(self.n_features_in_)
        return np.asarray(self.model_.get_feature_importance(), dtype=float)

    @property
    def n_iter_(self):
        """Boosting rounds of the fitted model."""
        check_is_fitted(self)
        return 0 if self.model_ is None else int(self.model_.tree_count_)


class CatBoostSklearnClassifier(ClassifierMixin, _CatBoostBase):
    """CatBoost classification as a plain scikit-learn estimator.

    Parameters
    ----------
    iterations : int, default=1000
        Boosting rounds.
    learning_rate : float, optional
        Step size; ``None`` lets CatBoost choose it from the data and
        ``iterations``.
    depth : int, optional
        Depth of the (symmetric) trees; CatBoost's default is 6.
    l2_leaf_reg : float, optional
        L2 regularization of the leaf values; CatBoost's default is 3.
    random_strength : float, optional
        Randomness added to split scores; CatBoost's default is 1.
    bagging_temperature : float, optional
        Bayesian bootstrap intensity (when that bootstrap is used).
    border_count : int, optional
        Bins of the numeric features; CatBoost's default is 254.
    one_hot_max_size : int, optional
        Categorical columns with at most this many values are one-hot
        encoded inside CatBoost; larger ones get its ordered target
        statistics.
    loss_function : str, optional
        CatBoost's loss (``"Logloss"`` or ``"MultiClass"`` by default, from
        the number of classes).
    cat_features : list of int, optional
        Positions of the categorical columns of X. Their values must be
        integer codes (floats holding integers, NaN as missing, are
        converted) or strings.
    thread_count : int, optional
        Training threads; ``None`` or ``-1``: all cores.
    random_state : int, optional
        CatBoost's ``random_seed`` (CatBoost uses 0 when ``None``).
    params : dict, optional
        Other CatBoost parameters, passed as given (``verbose=0`` and
        ``allow_writing_files=False`` unless set here).

    Attributes
    ----------
    model_ : catboost.CatBoostClassifier or None
        The fitted CatBoost model (``None`` when ``y`` had one class).
    classes_ : ndarray
        The class labels.
    cat_features_ : list of int
        The categorical column positions used.
    best_iteration_ : int or None
        With ``eval_set``: the iterations the model keeps (the best
        validation loss); ``None`` otherwise.
    n_features_in_ : int
        Number of columns of X.
    feature_names_in_ : ndarray
        Column names, when X was a DataFrame.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(100, 4, random_state=0)
    >>> clf = CatBoostSklearnClassifier(iterations=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _catboost_class = catboost.CatBoostClassifier

    def fit(self, X, y, sample_weight=None, eval_set=None, early_stopping_rounds=None,
            max_time=None):
        """Fit CatBoost on ``(X, y)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (X_val, y_val), optional
            Validation rows (labels among those of ``y``): the fitted model
            keeps the iterations up to the best validation loss.
        early_stopping_rounds : int, optional
            With ``eval_set``: stop after this many iterations without an
            improvement of the validation loss.
        max_time : float, optional
            Seconds the training may take: it stops after the iteration
            that passes them (with ``eval_set``, keeping the best iteration
            so far).

        Returns
        -------
        self : CatBoostSklearnClassifier
        """
        encoder = LabelEncoder().fit(np.asarray(y))
        self.classes_ = encoder.classes_
        codes = encoder.transform(np.asarray(y))
        if len(self.classes_) < 2:
            return self._fit_constant(X)
        if eval_set is not None:
            eval_set = (eval_set[0], encoder.transform(np.asarray(eval_set[1])))
        return self._fit(X, codes, sample_weight, eval_set, early_stopping_rounds,
                         max_time)

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        data = self._check_X(X)
        if self.model_ is None:
            return np.ones((np.shape(X)[0], 1))
        with _AlarmGuard():  # no alarm inside CatBoost's code (see there)
            return np.asarray(self.model_.predict_proba(data), dtype=float)

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


class CatBoostSklearnRegressor(RegressorMixin, _CatBoostBase):
    """CatBoost regression as a plain scikit-learn estimator.

    Parameters
    ----------
    iterations : int, default=1000
        Boosting rounds.
    learning_rate : float, optional
        Step size; ``None`` lets CatBoost choose it.
    depth : int, optional
        Depth of the (symmetric) trees; CatBoost's default is 6.
    l2_leaf_reg : float, optional
        L2 regularization of the leaf values; CatBoost's default is 3.
    random_strength : float, optional
        Randomness added to split scores; CatBoost's default is 1.
    bagging_temperature : float, optional
        Bayesian bootstrap intensity (when that bootstrap is used).
    border_count : int, optional
        Bins of the numeric features; CatBoost's default is 254.
    one_hot_max_size : int, optional
        Categorical columns with at most this many values are one-hot
        encoded inside CatBoost.
    loss_function : str, optional
        CatBoost's loss (``"RMSE"`` by default).
    cat_features : list of int, optional
        Positions of the categorical columns of X (integer codes or
        strings; floats holding integers are converted).
    thread_count : int, optional
        Training threads; ``None`` or ``-1``: all cores.
    random_state : int, optional
        CatBoost's ``random_seed``.
    params : dict, optional
        Other CatBoost parameters, passed as given.

    Attributes
    ----------
    model_ : catboost.CatBoostRegressor or None
        The fitted model (``None`` when ``y`` was constant).
    constant_ : float or None
        The prediction when ``y`` was constant.
    cat_features_ : list of int
        The categorical column positions used.
    best_iteration_ : int or None
        With ``eval_set``: the iterations the model keeps (the best
        validation loss); ``None`` otherwise.
    n_features_in_ : int
        Number of columns of X.
    feature_names_in_ : ndarray
        Column names, when X was a DataFrame.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> X, y = make_regression(100, 4, random_state=0)
    >>> reg = CatBoostSklearnRegressor(iterations=20, random_state=0).fit(X, y)
    >>> reg.predict(X[:2]).shape
    (2,)
    """

    _catboost_class = catboost.CatBoostRegressor

    def fit(self, X, y, sample_weight=None, eval_set=None, early_stopping_rounds=None,
            max_time=None):
        """Fit CatBoost on ``(X, y)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
        eval_set : tuple (X_val, y_val), optional
            Validation rows: the fitted model keeps the iterations up to the
            best validation loss.
        early_stopping_rounds : int, optional
            With ``eval_set``: stop after this many iterations without an
            improvement of the validation loss.
        max_time : float, optional
            Seconds the training may take: it stops after the iteration
            that passes them (with ``eval_set``, keeping the best iteration
            so far).

        Returns
        -------
        self : CatBoostSklearnRegressor
        """
        y = np.asarray(y, dtype=float)
        self.constant_ = None
        if y.size and np.all(y == y[0]):
            self.constant_ = float(y[0])
            return self._fit_constant(X)
        if eval_set is not None:
            eval_set = (eval_set[0], np.asarray(eval_set[1], dtype=float))
        return self._fit(X, y, sample_weight, eval_set, early_stopping_rounds,
                         max_time)

    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        data = self._check_X(X)
        if self.model_ is None:
            return np.full(np.shape(X)[0], self.constant_)
        with _AlarmGuard():  # no alarm inside CatBoost's code (see there)
            return np.asarray(self.model_.predict(data), dtype=float)


class CatBoostStopping(EarlyStopping):
    """CatBoost: the validation rows as ``eval_set``, ``early_stopping_rounds``.

    The validation loss is the training loss (Logloss, MultiClass, RMSE);
    the fitted model keeps the iterations up to its best value
    (``use_best_model``), whose count is ``best_iteration_``.
    """

    def __init__(self, param="iterations", *, rounds=50):
        super().__init__(param, rounds=rounds)

    def fit(self, estimator, X, y, X_val, y_val, max_time=None):
        estimator.fit(X, y, eval_set=(X_val, y_val), early_stopping_rounds=self.rounds,
                      max_time=max_time)
        cap = estimator.get_params()[self.param]
        best = estimator.best_iteration_
        return max(1, min(best, cap)) if best else cap


def catboost_component(task):
    """The ``catboost`` family for ``task``.

    CatBoost's own defaults (depth 6, ``l2_leaf_reg=3``, ``random_strength=1``)
    at learning rate 0.1; the number of rounds is not searched but found by
    early stopping under a cap of :data:`ITERATIONS` (:class:`CatBoostStopping`,
    50 rounds of patience). Categorical columns reach it ordinal-coded by
    default, as ``cat_features`` (its ordered target statistics), or
    target-encoded: a featurizer knob, as for the other boosting families.

    Parameters
    ----------
    task : {"classification", "regression"}

    Returns
    -------
    component : Component
    """
    cls = CatBoostSklearnClassifier if task == "classification" else (
        CatBoostSklearnRegressor
    )
    space = {
        "learning_rate": Float(0.02, 0.2, log=True, default=0.1),
        "depth": Int(4, 10, default=6),
        "l2_leaf_reg": Float(1.0, 20.0, log=True, default=3.0),
        "random_strength": Float(0.1, 10.0, log=True, default=1.0),
    }
    # CatBoost's thread pool, like OpenMP's, slows down badly on busy cores
    return Component(
        "catboost", cls(iterations=ITERATIONS), space, tasks=(task,),
        encoding="ordinal", scale=False, fidelity_param="iterations",
        categorical_param="cat_features", threads_param="thread_count", openmp=True,
        early_stopping=CatBoostStopping("iterations"),
    )
