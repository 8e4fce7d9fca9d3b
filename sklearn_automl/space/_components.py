"""Components: a named, unfitted estimator template with its parameter space.

Components know nothing about search: they say which estimator to build,
which of its parameters may be searched and over what, what input it wants
(scaled one-hot features or ordinal-coded ones) and which parameter is its
fidelity knob (trees, boosting rounds, epochs), and how it stops early on
a validation set when it can (:class:`EarlyStopping`).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor

from ..features._columns import float_dtype
from ._early_stopping import EarlyStopping
from ._params import Distribution

__all__ = ["Component", "as_component"]

_TASKS = ("classification", "regression")
_ENCODINGS = ("onehot", "ordinal")


class Component:
    """A model family: an estimator template plus the space of its parameters.

    Parameters
    ----------
    name : str
        Identifier used in configurations (``"<name>__<param>"``) and on the
        leaderboard. Letters, digits and underscores; no ``"__"``.
    estimator : estimator instance
        Unfitted template; trials use ``clone(estimator).set_params(**params)``.
    space : dict of str -> Distribution
        Searchable parameters of ``estimator`` (may be empty).
    tasks : tuple of str, default=("classification", "regression")
        The tasks the family applies to.
    encoding : {"onehot", "ordinal"}, default="onehot"
        How categorical columns are encoded for this family.
    scale : bool, default=True
        Whether numeric features are standardized for this family.
    fidelity_param : str, optional
        An integer parameter of the estimator (number of trees, boosting
        rounds) that a multi-fidelity scheduler may lower.
    max_rows : int, optional
        Skip the family on training sets with more rows (e.g. kNN).
    categorical_param : str, optional
        Parameter that takes the indices of ordinal-encoded categorical
        columns (``"categorical_features"`` of HistGradientBoosting).
    threads_param : str or None, default="n_jobs"
        Parameter that sets the estimator's thread count, when it has one.
    openmp : bool, default=False
        The estimator parallelizes with OpenMP (LightGBM,
        HistGradientBoosting). Such learners slow down badly when their
        threads outnumber free cores, so they get one thread per 50,000
        training rows (up to ``n_jobs``) instead of ``n_jobs``.
    dtype : {np.float32, np.float64}, default=np.float32
        Float type the featurizer hands this family. float32 halves the
        memory of the feature matrix; models that solve in float64
        (linear models: float32 costs them precision, and their float32
        predictions of a row then depend on its position in the batch
        through BLAS blocking) ask for float64.
    early_stopping : EarlyStopping, optional
        The family trains with early stopping: in a trial each fold's model
        stops on that fold's validation rows, the estimator's
        ``early_stopping.param`` being only a cap; the trial records the
        count each fold found and the refit on all rows trains the scaled
        count (:meth:`EarlyStopping.refit_count`) without a validation set.
        A multi-fidelity scheduler then lowers the training rows only, not
        the cap (the count is an outcome of the fit, not a knob).
    """

    def __init__(
        self,
        name,
        estimator,
        space=None,
        *,
        tasks=_TASKS,
        encoding="onehot",
        scale=True,
        fidelity_param=None,
        max_rows=None,
        categorical_param=None,
        threads_param="n_jobs",
        openmp=False,
        dtype=np.float32,
        early_stopping=None,
    ):
        if not isinstance(name, str) or not name.isidentifier() or "__" in name:
            raise ValueError(
                f"Component name must be an identifier without '__', got {name!r}."
            )
        if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
            raise TypeError(
                f"Component {name!r}: estimator must be an unfitted scikit-learn "
                f"estimator (with fit and get_params), got {estimator!r}."
            )
        space = dict(space or {})
        valid = estimator.get_params(deep=True)
        for pname, dist in space.items():
            if pname not in valid:
                raise ValueError(
                    f"Component {name!r}: {pname!r} is not a parameter of "
                    f"{type(estimator).__name__}; valid parameters are "
                    f"{sorted(valid)}."
                )
            if not isinstance(dist, Distribution):
                raise TypeError(
                    f"Component {name!r}: the space of {pname!r} must be a Float, "
                    f"Int or Categorical from sklearn_automl.space, got {dist!r}."
                )
        bad = set(tasks) - set(_TASKS)
        if bad:
            raise ValueError(f"Component {name!r}: unknown tasks {sorted(bad)}.")
        if encoding not in _ENCODINGS:
            raise ValueError(
                f"Component {name!r}: encoding must be one of {_ENCODINGS}, "
                f"got {encoding!r}."
            )
        try:
            float_dtype(dtype)
        except (TypeError, ValueError):
            raise ValueError(
                f"Component {name!r}: dtype must be np.float32 or np.float64, "
                f"got {dtype!r}."
            ) from None
        if early_stopping is not None:
            if not isinstance(early_stopping, EarlyStopping):
                raise TypeError(
                    f"Component {name!r}: early_stopping must be an EarlyStopping "
                    f"instance or None, got {early_stopping!r}."
                )
            if early_stopping.param not in estimator.get_params(deep=False):
                raise ValueError(
                    f"Component {name!r}: early_stopping.param "
                    f"{early_stopping.param!r} is not a parameter of "
                    f"{type(estimator).__name__}."
                )
            if early_stopping.param in space:
                raise ValueError(
                    f"Component {name!r}: {early_stopping.param!r} is set by early "
                    "stopping and cannot also be searched; set its cap on the "
                    "estimator instead."
                )
        self.name = name
        self.estimator = estimator
        self.space = space
        self.tasks = tuple(tasks)
        self.encoding = encoding
        self.scale = bool(scale)
        self.fidelity_param = fidelity_param
        self.max_rows = max_rows
        self.categorical_param = categorical_param
        self.threads_param = threads_param
        self.openmp = bool(openmp)
        self.dtype = dtype
        self.early_stopping = early_stopping

    def __repr__(self):
        return f"Component({self.name!r}, {type(self.estimator).__name__})"

    def supports(self, task, n_rows):
        """Whether this family applies to ``task`` on ``n_rows`` training rows."""
        if task not in self.tasks:
            return False
        return self.max_rows is None or n_rows <= self.max_rows

    def n_threads(self, n_jobs, n_rows):
        """Threads a trial of this family gets on ``n_rows`` training rows."""
        if not self.openmp:
            return n_jobs
        return max(1, min(n_jobs, 1 + n_rows // 50_000))

    def build(self, params, *, random_state=None, n_jobs=None, categorical=None):
        """A fresh unfitted estimator with ``params`` set.

        ``random_state`` and ``n_jobs`` are set when the estimator has such
        parameters and the user's template left them at their defaults.
        """
        est = clone(self.estimator)
        own = est.get_params(deep=False)
        extra = {}
        if random_state is not None and "random_state" in own and (
            own["random_state"] is None
        ):
            extra["random_state"] = random_state
        tp = self.threads_param
        if n_jobs is not None and tp in own and own[tp] in (None, -1):
            extra[tp] = n_jobs
        if categorical is not None and self.categorical_param is not None:
            extra[self.categorical_param] = categorical
        return est.set_params(**{**extra, **params})


def as_component(entry, task):
    """Turn a user's ``(name, estimator, space)`` tuple into a Component."""
    if isinstance(entry, Component):
        return entry
    if not (isinstance(entry, tuple) and len(entry) == 3):
        raise TypeError(
            "Each custom entry of `estimators` must be a tuple (name, "
            f"unfitted_estimator, space), got {entry!r}."
        )
    name, estimator, space = entry
    if not isinstance(space, dict):
        raise TypeError(
            f"estimators entry {name!r}: space must be a dict of parameter names "
            f"to Float/Int/Categorical (or {{}}), got {space!r}."
        )
    if isinstance(estimator, type) or not isinstance(estimator, BaseEstimator) and (
        not hasattr(estimator, "get_params")
    ):
        raise TypeError(
            f"estimators entry {name!r}: give an estimator instance, e.g. "
            f"SVC(), not {estimator!r}."
        )
    if task == "classification" and is_regressor(estimator):
        raise ValueError(
            f"estimators entry {name!r}: {type(estimator).__name__} is a "
            "regressor; AutoMLClassifier needs classifiers."
        )
    if task == "regression" and is_classifier(estimator):
        raise ValueError(
            f"estimators entry {name!r}: {type(estimator).__name__} is a "
            "classifier; AutoMLRegressor needs regressors."
        )
    return Component(name, estimator, space, tasks=(task,), encoding="onehot", scale=True)
