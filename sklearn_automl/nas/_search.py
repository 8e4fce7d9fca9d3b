"""Neural architecture search estimators: search, then refit the best network.

:class:`NASClassifier` and :class:`NASRegressor` search the tabular (MLP)
or the cell-based CNN space with one of five strategies: the project's
random, Bayesian and evolutionary searchers, the REINFORCE controller
(:class:`~sklearn_automl.nas.ReinforceSearch`), all optionally under a
successive-halving or ASHA schedule with epochs as the fidelity, or
differentiable search (DARTS) of the cell. Each candidate is trained on one
part of the data and scored on a held-out part; the best architecture is
then retrained on all the data. The fitted search is a plain estimator.
"""

import logging
import math
import time
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, _fit_context
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..search import (
    ASHA,
    BayesianSearch,
    EvolutionarySearch,
    FullFidelity,
    RandomSearch,
    SearchExhausted,
    SuccessiveHalving,
)
from ._controller import ReinforceSearch
from ._estimators import (
    CNNNetClassifier,
    CNNNetRegressor,
    MLPNetClassifier,
    MLPNetRegressor,
    image_batch,
)
from ._spaces import cnn_space, config_to_params, mlp_space
from ._training import require_torch

__all__ = ["NASClassifier", "NASRegressor"]

logger = logging.getLogger("sklearn_automl")

#: share of the time budget DARTS spends training the supernet
DARTS_SHARE = 0.4
#: safety factor on the predicted refit time
REFIT_MARGIN = 1.3
#: seconds a trial leaves, beyond the refit reserve, for its own scoring and
#: measurements after training stops (cut exactly at the reserve, a trial left
#: the refit a little less than predicted, and the refit was skipped)
TRIAL_SLACK = 1.0


class _BaseNAS(BaseEstimator):
    _parameter_constraints: ClassVar[dict] = {
        "strategy": [StrOptions({"random", "bayesian", "evolutionary", "reinforce",
                                 "darts"})],
        "space": [StrOptions({"auto", "mlp", "cnn"})],
        "input_shape": [tuple, list, None],
        "time_budget": [Interval(Real, 0, None, closed="neither"), None],
        "max_trials": [Interval(Integral, 1, None, closed="left"), None],
        "schedule": [StrOptions({"successive_halving", "asha"}), None],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "min_fidelity": [Interval(Real, 0, 1, closed="right")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "scoring": [str, callable, None],
        "device": [str],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(self, *, strategy="random", space="auto", input_shape=None,
                 time_budget=60.0, max_trials=None, schedule=None, max_epochs=None,
                 min_fidelity=1 / 9, validation_fraction=0.2, scoring=None,
                 device="auto", n_jobs=None, random_state=None, verbose=0):
        self.strategy = strategy
        self.space = space
        self.input_shape = input_shape
        self.time_budget = time_budget
        self.max_trials = max_trials
        self.schedule = schedule
        self.max_epochs = max_epochs
        self.min_fidelity = min_fidelity
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- set-up -----------------------------------------------------------
    def _validate_parameters(self, X):
        if self.time_budget is None and self.max_trials is None:
            raise ValueError("Set time_budget, max_trials or both; both are None.")
        images = X.ndim in (3, 4) or self.input_shape is not None or self.space == "cnn"
        if self.space == "mlp" and X.ndim != 2:
            raise ValueError(
                f"space='mlp' needs 2-D X; got X with shape {X.shape}. Flatten the "
                "images (X.reshape(len(X), -1)) or use space='cnn'."
            )
        if self.space == "mlp" and self.input_shape is not None:
            raise ValueError("input_shape is for images; it cannot go with space='mlp'.")
        if self.strategy == "darts" and not images:
            raise ValueError(
                "strategy='darts' searches the cell of the CNN space; give images "
                "(3-D/4-D X or input_shape) or choose another strategy."
            )
        return "cnn" if images else "mlp"

    def _searcher(self, space, seed):
        default = [space.default()]
        if self.strategy == "random":
            return RandomSearch(space, initial_configs=default, random_state=seed)
        if self.strategy == "bayesian":
            return BayesianSearch(space, initial_configs=default, n_initial=5,
                                  random_state=seed)
        if self.strategy == "evolutionary":
            return EvolutionarySearch(space, initial_configs=default, population_size=8,
                                      tournament_size=3, random_state=seed)
        return ReinforceSearch(space, initial_configs=default, random_state=seed)

    def _scheduler(self, searcher):
        if self.schedule == "successive_halving":
            return SuccessiveHalving(searcher, min_fidelity=self.min_fidelity)
        if self.schedule == "asha":
            return ASHA(searcher, min_fidelity=self.min_fidelity)
        return FullFidelity(searcher)

    def _time_left(self):
        if self.time_budget is None:
            return math.inf
        return self.time_budget - (time.perf_counter() - self._start)

    # -- fit --------------------------------------------------------------
    def _fit(self, X, y):
        self._start = time.perf_counter()
        require_torch(type(self).__name__)
        X, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True,
                             ensure_min_samples=2, y_numeric=not self._classifier,
                             multi_output=not self._classifier)
        kind = self._validate_parameters(X)
        self.space_kind_ = kind
        if self._classifier:
            check_classification_targets(y)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in y, got 1 class "
                    f"({self.classes_[0]!r})."
                )
        rng = check_random_state(self.random_state)
        split_seed, search_seed, model_seed = rng.randint(np.iinfo(np.int32).max, size=3)
        stratify = None
        if self._classifier:
            _, counts = np.unique(y, return_counts=True)
            n_valid = math.ceil(len(y) * self.validation_fraction)
            if counts.min() >= 2 and n_valid >= len(counts):
                stratify = y
        X_tr, X_va, y_tr, y_va = train_test_split(
            X, y, test_size=self.validation_fraction, random_state=split_seed,
            stratify=stratify,
        )
        if kind == "cnn":
            shape = image_batch(X[:1], self.input_shape).shape[1:]
            space = cnn_space(shape)
            cls = CNNNetClassifier if self._classifier else CNNNetRegressor
            base = {"input_shape": self.input_shape}
        else:
            space = mlp_space()
            cls = MLPNetClassifier if self._classifier else MLPNetRegressor
            base = {}
        self.epochs_ = self.max_epochs or (20 if kind == "cnn" else 40)
        self._base = {**base, "early_stopping": None, "device": self.device,
                      "n_jobs": self.n_jobs, "random_state": int(model_seed)}
        self._cls = cls
        self._scorer = check_scoring(cls(), scoring=self.scoring)
        self._data = (X_tr, y_tr, X_va, y_va)
        self._rows_ratio = len(X) / len(X_tr)
        self.history_ = []
        self._models = {}  # fidelity -> (score, best trial network at it)
        if self.strategy == "darts":
            best = self._search_darts(shape, int(search_seed))
        else:
            best = self._search(space, int(search_seed))
        self.search_time_ = time.perf_counter() - self._start
        if best is None:
            raise RuntimeError(
                "No architecture could be trained: every trial failed "
                f"({self.history_[-1]['error'] if self.history_ else 'no trial ran'})."
            )
        self.best_params_ = best["params"]
        self.best_score_ = best["score"]
        self.best_index_ = best["trial"]
        start = time.perf_counter()
        left = self._time_left()
        predicted = self._predicted_refit()  # of ``best``, the best record
        self.refit_ = left >= predicted
        if self.refit_:
            est = cls(**self._base, **best["params"], max_epochs=best["epochs"],
                      max_time=left if math.isfinite(left) else None)
            self.best_estimator_ = est.fit(X, y)
        else:  # a refit would overrun the budget: keep the trial's network
            self.best_estimator_ = self._models[best["fidelity"]][1]
            logger.warning("%s: no time left to refit on all rows; best_estimator_ is "
                           "the best trial's network, trained on %d%% of them.",
                           type(self).__name__, round(100 / self._rows_ratio))
        self.refit_time_ = time.perf_counter() - start
        self.best_arch_ = self.best_estimator_.architecture()
        self.n_trials_ = len(self.history_)
        del self._data, self._scorer, self._cls, self._base, self._start, self._models
        return self

    def _trial(self, config, params, epochs, fidelity, strategy):
        X_tr, y_tr, X_va, y_va = self._data
        record = {"trial": len(self.history_), "strategy": strategy, "config": config,
                  "params": params, "fidelity": fidelity, "epochs": epochs,
                  "score": None, "status": "ok", "error": None}
        # leave the predicted refit its time: a trial may not eat the reserve
        left = self._time_left() - self._predicted_refit() - TRIAL_SLACK
        try:
            est = self._cls(**self._base, **params, max_epochs=epochs,
                            max_time=max(left, 1.0) if math.isfinite(left) else None)
            est.fit(X_tr, y_tr)
            score = float(self._scorer(est, X_va, y_va))
            record.update(
                score=score if math.isfinite(score) else None, fit_time=est.fit_time_,
                epoch_time=est.epoch_time_, n_params=est.n_params_, flops=est.flops_,
                latency_per_sample=est.latency_per_sample_,
            )
            if est.n_epochs_ < epochs:
                record["status"] = "timeout"
            if record["score"] is not None and record["score"] > self._models.get(
                fidelity, (-math.inf,)
            )[0]:
                self._models[fidelity] = (record["score"], est)
        except Exception as exc:  # noqa: BLE001 - a failing trial is data, not a crash
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}")
        if self.verbose:
            logger.info("NAS trial %d (%s, %d epochs): %s %s", record["trial"], strategy,
                        epochs, record["status"], record["score"])
        self.history_.append(record)
        return record

    def _predicted_refit(self):
        """Seconds to keep for refitting the current best architecture on all rows.

        The refit is of the best trial's network, so its epoch time decides;
        the slowest trial's would let one oversized architecture that lost
        eat a fifth of the budget. Should a slower architecture become the
        best when too little time is left, its trial network is kept instead
        of a refit (see ``_fit``).
        """
        best = self._best_record()
        if best is None:
            return 0.0
        return REFIT_MARGIN * best["epoch_time"] * best["epochs"] * self._rows_ratio

    def _best_record(self):
        done = [r for r in self.history_ if r["score"] is not None]
        if not done:
            return None
        top = max(r["fidelity"] for r in done)
        return max((r for r in done if r["fidelity"] == top), key=lambda r: r["score"])

    def _search(self, space, seed):
        self.searcher_ = self._searcher(space, seed)
        scheduler = self._scheduler(self.searcher_)
        while self.max_trials is None or len(self.history_) < self.max_trials:
            # the first trial always runs, so that a model comes back
            # a next trial needs a second of training beyond reserve and slack
            if self.history_ and (self._time_left()
                                  <= self._predicted_refit() + TRIAL_SLACK + 1.0):
                break
            try:
                job = scheduler.next_job()
            except SearchExhausted:
                break
            if job is None:
                break
            epochs = max(1, round(job.fidelity * self.epochs_))
            record = self._trial(job.config, config_to_params(job.config), epochs,
                                 job.fidelity, self.strategy)
            scheduler.report(job, record["score"])
        return self._best_record()

    def _search_darts(self, shape, seed):
        from ._darts import search_cell

        X_tr, y_tr, _, _ = self._data
        template = self._cls(input_shape=self.input_shape)
        images = template._standardize(image_batch(X_tr, self.input_shape), reset=True)
        if self._classifier:
            target = np.searchsorted(self.classes_, y_tr).astype(np.int64)
            n_out, loss = len(self.classes_), "cross_entropy"
        else:
            target = np.asarray(y_tr, dtype=np.float32).reshape(len(y_tr), -1)
            target = (target - target.mean(0)) / (target.std(0) + 1e-12)
            n_out, loss = target.shape[1], "mse"
        n_stages = cnn_space(shape).params["n_stages"].choices[-1]
        n_stages = min(2, n_stages)
        left = self._time_left()
        start = time.perf_counter()
        cell, alpha, n_epochs = search_cell(
            images, target, n_out, n_stages=n_stages, epochs=self.epochs_,
            max_time=DARTS_SHARE * left if math.isfinite(left) else None, seed=seed,
            loss=loss,
        )
        self.darts_alpha_, self.darts_epochs_ = alpha, n_epochs
        self.darts_time_ = time.perf_counter() - start
        params = {"channels": 16, "n_stages": n_stages, "cells_per_stage": 1,
                  "cell": cell, "reduce_op": "factorized_reduce", "lr": 3e-3}
        # the derived network is retrained from scratch, then refit on all rows
        record = self._trial({"cell": cell}, params, self.epochs_, 1.0, "darts")
        return record if record["score"] is not None else None

    # -- prediction -------------------------------------------------------
    def predict(self, X):
        """Predictions of the refitted best network.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        y : ndarray
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict(X)


_DOC = """
    Parameters
    ----------
    strategy : {"random", "bayesian", "evolutionary", "reinforce", "darts"}, \
default="random"
        How architectures are proposed: :class:`~sklearn_automl.search.RandomSearch`,
        :class:`~sklearn_automl.search.BayesianSearch` (Gaussian process),
        :class:`~sklearn_automl.search.EvolutionarySearch` (regularized
        evolution), :class:`ReinforceSearch` (an LSTM controller trained by
        policy gradient) or ``"darts"``: differentiable search of the CNN cell
        (a supernet of mixed operations with softmax architecture weights,
        first-order alternating updates, discretized to the strongest
        operation per node and retrained). The first proposal of the four
        sequential strategies is the space's default architecture.
    space : {"auto", "mlp", "cnn"}, default="auto"
        ``"auto"``: the CNN space for images (X with 3 or 4 dimensions, or
        ``input_shape`` given), the MLP space otherwise.
    input_shape : tuple of int, optional
        ``(H, W)`` or ``(C, H, W)`` of each row of a flat X of images.
    time_budget : float or None, default=60.0
        Seconds for the whole ``fit``, the final refit included.
    max_trials : int or None, default=None
        Most architectures (trials) to train.
    schedule : {None, "successive_halving", "asha"}, default=None
        Multi-fidelity schedule over epochs: a trial at fidelity ``f`` trains
        ``round(f * max_epochs)`` epochs. Not used by ``"darts"``.
    max_epochs : int or None, default=None
        Epochs of a full-fidelity trial and of the refit (20 for the CNN
        space, 40 for the MLP space when None); DARTS trains its supernet
        for at most as many epochs.
    min_fidelity : float, default=1/9
        Lowest fidelity of the multi-fidelity schedules.
    validation_fraction : float, default=0.2
        Rows held out to score the trials.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; accuracy (classifier) or R² (regressor) if None.
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where the networks train (see :class:`MLPNetClassifier`).
    n_jobs : int or None, default=None
        Torch threads.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the strategy and the networks.
    verbose : int, default=0
        Log each trial (logger ``"sklearn_automl"``) when positive.

    Attributes
    ----------
    best_estimator_ : estimator
        The best architecture retrained on all the data.
    best_params_ : dict
        Its architecture and learning-rate parameters.
    best_arch_ : dict
        Its architecture description (for :func:`count_params`).
    best_score_ : float
        Its held-out score.
    best_index_ : int
        Its index in ``history_``.
    history_ : list of dict
        One record per trial: configuration, parameters, fidelity, epochs,
        score, status (``"ok"``, ``"timeout"``, ``"failed"``), error,
        fit and epoch time, parameter count, FLOPs, latency per sample.
    n_trials_ : int
    epochs_ : int
        Epochs of a full-fidelity trial.
    space_kind_ : {"mlp", "cnn"}
    searcher_ : Searcher
        The strategy's searcher after the search (not for ``"darts"``).
    darts_alpha_ : ndarray of shape (n_edges, n_ops)
        The architecture weights (``"darts"`` only; also ``darts_epochs_``
        and ``darts_time_``).
    refit_ : bool
        Whether ``best_estimator_`` was retrained on all rows; False when the
        time budget left no room for it (it is then the best trial's network,
        trained without the held-out rows).
    search_time_, refit_time_ : float
    n_features_in_ : int
"""


class NASClassifier(ClassifierMixin, _BaseNAS):
    __doc__ = (
        """Search a neural architecture for classification, then refit the best one.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _DOC
        + """    classes_ : ndarray of shape (n_classes,)

    See Also
    --------
    MLPNetClassifier, CNNNetClassifier : The networks searched.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl.nas import NASClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> nas = NASClassifier(strategy="evolutionary", max_trials=3, max_epochs=10,
    ...                     time_budget=None, random_state=0).fit(X, y)
    >>> len(nas.history_)
    3
    """
    )
    _classifier = True

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Search architectures on ``X``, ``y`` and refit the best one.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (N, H, W) or (N, C, H, W)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        return self._fit(X, y)

    def predict_proba(self, X):
        """Class probabilities from the refitted best network.

        Parameters
        ----------
        X : array-like

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.predict_proba(X)


class NASRegressor(RegressorMixin, _BaseNAS):
    __doc__ = (
        """Search a neural architecture for regression, then refit the best one.

    Read more in the :ref:`User Guide <nas>`.
    """
        + _DOC
        + """
    See Also
    --------
    MLPNetRegressor, CNNNetRegressor : The networks searched.
    """
    )
    _classifier = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Search architectures on ``X``, ``y`` and refit the best one.

        Parameters
        ----------
        X : array-like
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self
        """
        return self._fit(X, y)
