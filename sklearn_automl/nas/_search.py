"""Neural architecture search estimators: configurations of the AutoML engine.

:class:`NASClassifier` and :class:`NASRegressor` search the tabular (MLP)
or the cell-based CNN space with one of five strategies: the project's
random, Bayesian and evolutionary searchers, the REINFORCE controller
(:class:`~sklearn_automl.nas.ReinforceSearch`), all optionally under a
successive-halving or ASHA schedule with epochs as the fidelity, or
differentiable search (DARTS) of the cell. They run the very search loop of
:class:`~sklearn_automl.AutoMLClassifier` (:class:`~sklearn_automl._automl.BaseAutoML`:
the same executor, history, checkpoint, callbacks and one clock), over a
one-family plan of networks scored on one held-out part of the data; the
best architecture is then retrained on all the data within the budget
(the network stops its epochs at the time left). The fitted search is a
plain estimator.
"""

import logging
import math
import os
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._automl import BaseAutoML
from ..search import (
    ASHA,
    BayesianSearch,
    EvolutionarySearch,
    FullFidelity,
    RandomSearch,
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
from ._netplan import AUTO_PROXY, NetPlan, _CurveTarget, _Fixed, _ProxyScore
from ._proxies import PROXIES
from ._screening import ArchitectureCache, ProxyScreening
from ._spaces import (
    cnn_baseline,
    cnn_space,
    mlp_space,
)
from ._training import require_torch

__all__ = ["NASClassifier", "NASRegressor"]

logger = logging.getLogger("sklearn_automl")

#: share of the time left that DARTS spends training the supernet
DARTS_SHARE = 0.4
class _BaseNAS(BaseAutoML):
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
        "proxy": [StrOptions({"auto", *PROXIES}), None],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "curve_stopping": ["boolean"],
        "device": [str],
        "n_jobs": [Integral, None],
        "executor": [
            StrOptions({"sequential", "processes"}),
            HasMethods(["scatter", "submit"]),
            HasMethods(["start", "submit", "collect", "close"]),
            None,
        ],
        "checkpoint": [str, os.PathLike, None],
        "callbacks": [list, tuple, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # the engine's settings that a NAS search fixes (not parameters)
    _warm_start_phase = "darts"
    ensemble_size = 0
    ensemble = "selection"
    max_oof_memory = 0
    estimators = None
    initial_configs = None
    trial_timeout = None
    trial_memory_limit = None

    def __init__(self, *, strategy="random", space="auto", input_shape=None,
                 time_budget=60.0, max_trials=None, schedule=None, max_epochs=None,
                 min_fidelity=1 / 9, validation_fraction=0.2, scoring=None,
                 proxy="auto", n_candidates=8, curve_stopping=True,
                 device="auto", n_jobs=None, executor=None, checkpoint=None,
                 callbacks=None, random_state=None, verbose=0):
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
        self.proxy = proxy
        self.n_candidates = n_candidates
        self.curve_stopping = curve_stopping
        self.device = device
        self.n_jobs = n_jobs
        self.executor = executor
        self.checkpoint = checkpoint
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    @property
    def cv(self):
        """The engine's ``cv``: one holdout of ``validation_fraction``."""
        return self.validation_fraction

    @property
    def search(self):
        """The engine's ``search`` (named in checkpoints): the strategy."""
        return self.strategy

    # -- the engine's hooks -------------------------------------------------
    def _check_training_data(self, X, y):
        require_torch(type(self).__name__)
        X, y = validate_data(self, X, y, dtype=np.float32, allow_nd=True,
                             ensure_min_samples=2, y_numeric=not self._classifier,
                             multi_output=not self._classifier)
        self.space_kind_ = self._space_kind(X)
        self.input_shape_ = None
        if self.space_kind_ == "cnn":
            self.input_shape_ = image_batch(X[:1], self.input_shape).shape[1:]
        y = self._validate_y(y)
        self._n_net_outputs = (len(self.classes_) if self._classifier
                               else 1 if np.ndim(y) == 1 else y.shape[1])
        return X, y

    def _space_kind(self, X):
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

    def _make_plan(self, X):
        task = self._task
        self.epochs_ = self.max_epochs or (20 if self.space_kind_ == "cnn" else 40)
        base = {"early_stopping": None, "device": self.device,
                "max_epochs": self.epochs_}
        n_out = self._n_net_outputs
        if self.space_kind_ == "cnn":
            cls = CNNNetClassifier if self._classifier else CNNNetRegressor
            shape = tuple(self.input_shape_)
            return NetPlan("cnn_net", cls(input_shape=self.input_shape, **base),
                           cnn_space(shape), task, baseline=cnn_baseline(shape),
                           input_shape=shape, n_outputs=n_out)
        cls = MLPNetClassifier if self._classifier else MLPNetRegressor
        return NetPlan("mlp_net", cls(**base), mlp_space(), task,
                       input_shape=int(X.shape[1]), n_outputs=n_out)

    def _make_searcher(self, plan, rng, X=None, y=None, *, budget=None):
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if self.strategy == "darts":
            decisions = self._darts(plan, X, y, seed, budget)
            searcher = _Fixed(plan.space, initial_configs=[plan.prefixed(decisions)],
                              random_state=seed)
        else:
            # the fixed baseline first (images), then the space's default
            default = plan.default_configs()
            space = plan.space
            if self.strategy == "random":
                searcher = RandomSearch(space, initial_configs=default, random_state=seed)
            elif self.strategy == "bayesian":
                searcher = BayesianSearch(space, initial_configs=default, n_initial=5,
                                          random_state=seed)
            elif self.strategy == "evolutionary":
                searcher = EvolutionarySearch(space, initial_configs=default,
                                              population_size=8, tournament_size=3,
                                              random_state=seed)
            else:
                searcher = ReinforceSearch(space, initial_configs=default,
                                           random_state=seed)
        self.searcher_ = searcher
        self.proxy_ = self._proxy_name()
        proposer = searcher
        if self.proxy_ is not None:
            proposer = ProxyScreening(
                searcher, proxy=_ProxyScore(plan, X, y, self.proxy_, self._classifier,
                                            self.input_shape, seed),
                n_candidates=self.n_candidates,
            )
        self.architecture_cache_ = ArchitectureCache(proposer, key=plan.key_function())
        if self._curve_stopping():
            plan.curve_target = _CurveTarget(self.architecture_cache_)
        return self.architecture_cache_

    def _proxy_name(self):
        """The zero-cost proxy that screens proposals, or None."""
        if self.proxy == "auto":
            # measured: benchmarks/results/nas_proxies_*.md
            auto = self.space_kind_ == "cnn" and self.strategy == "random"
            return AUTO_PROXY if auto else None
        return self.proxy

    def _curve_stopping(self):
        """Whether trials stop by learning-curve extrapolation.

        The networks' curve is scored with accuracy or R², so only for
        those scorings; under a multi-fidelity schedule the schedule already
        stops weak trials early, and DARTS has one trial only.
        """
        default = "accuracy" if self._classifier else "r2"
        return (self.curve_stopping and self.schedule is None
                and self.strategy != "darts" and self.scoring in (None, default))

    def _make_scheduler(self, searcher):
        if self.strategy == "darts" or self.schedule is None:
            return FullFidelity(searcher)
        if self.schedule == "successive_halving":
            return SuccessiveHalving(searcher, min_fidelity=self.min_fidelity)
        return ASHA(searcher, min_fidelity=self.min_fidelity)

    def _default_scoring(self):
        return "accuracy" if self._classifier else "r2"

    def _darts(self, plan, X, y, seed, budget):
        """DARTS on the training rows: the derived cell as space decisions."""
        from ._darts import search_cell

        template = plan.components[plan.family].estimator
        images = template._standardize(image_batch(X, self.input_shape), reset=True)
        if self._classifier:
            target = np.searchsorted(self.classes_, y).astype(np.int64)
            n_out, loss = len(self.classes_), "cross_entropy"
        else:
            target = np.asarray(y, dtype=np.float32).reshape(len(y), -1)
            target = (target - target.mean(0)) / (target.std(0) + 1e-12)
            n_out, loss = target.shape[1], "mse"
        n_stages = min(2, plan.arch_space.params["n_stages"].choices[-1])
        left = budget.left()
        cell, alpha, n_epochs = search_cell(
            images, target, n_out, n_stages=n_stages, epochs=self.epochs_,
            max_time=DARTS_SHARE * left if math.isfinite(left) else None, seed=seed,
            loss=loss,
        )
        self.darts_alpha_, self.darts_epochs_ = alpha, n_epochs
        decisions = {"channels": 16, "n_stages": n_stages, "cells_per_stage": 1,
                     "n_nodes": len(cell), "lr": 3e-3}
        for k, (op, src) in enumerate(cell):
            decisions[f"node{k}_op"] = op
            if k:
                decisions[f"node{k}_input"] = int(src)
        if n_stages > 1:
            decisions["reduce_op"] = "factorized_reduce"
        return decisions

    def _fit(self, X, y):
        try:
            super()._fit(X, y)
        finally:
            # the search is over: the proxy's minibatch of training rows goes
            # (a fitted search holds no training data)
            cache = getattr(self, "architecture_cache_", None)
            if isinstance(getattr(cache, "searcher", None), ProxyScreening):
                cache.searcher.proxy.release()
        if self.strategy == "darts":
            self.darts_time_ = self.phase_times_.get("darts", 0.0)
        self.best_arch_ = self.best_estimator_.architecture()
        cache = self.architecture_cache_
        self.n_cached_ = cache.n_cached_ if hasattr(cache, "n_cached_") else 0
        self.n_screened_ = getattr(cache.searcher, "n_screened_", 0)
        return self

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

    def export_code(self, path, *, overwrite=False):
        """Write the refitted best network as a standalone PyTorch package.

        The directory holds ``model.py`` (the network as plain PyTorch code),
        ``weights.pt``, ``inference.py``, ``train.py`` and ``requirements.txt``;
        it needs numpy and torch only (see :func:`export_network`). Read more
        in :ref:`export`.

        Parameters
        ----------
        path : str or path-like
            The directory to write (created if missing).
        overwrite : bool, default=False
            Replace an exported package there.

        Returns
        -------
        source : str
            The generated ``model.py``.
        """
        from ._export import export_network

        check_is_fitted(self, "best_estimator_")
        folder = export_network(self.best_estimator_, path, overwrite=overwrite)
        return (folder / "model.py").read_text(encoding="utf-8")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags


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
        operation per node and retrained). The first proposals of the four
        sequential strategies are the fixed baseline (images:
        :func:`cnn_baseline`) and the space's default architecture. No
        architecture is trained twice (:class:`ArchitectureCache`).
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
    proxy : {"auto", "synflow", "grad_norm", "jacob_cov", "naswot", "n_params"} \
or None, default="auto"
        Zero-cost screening (:class:`ProxyScreening`): each proposal is the
        best by this proxy (:func:`zero_cost_proxies`, one minibatch at
        initialisation) of ``n_candidates`` proposals of the strategy; the
        first proposals (the baseline, the default) are not screened.
        ``"auto"``: ``"synflow"`` for ``strategy="random"`` on images, where
        it was measured to help (see the user guide), none otherwise.
    n_candidates : int, default=8
        Proposals drawn per screened proposal.
    curve_stopping : bool, default=True
        Stop a trial whose learning curve cannot catch the best score so
        far (the networks' ``curve_target``: each trial holds out 10 % of its
        training rows to score its epochs). Only with the default scoring
        and without ``schedule`` (which stops weak trials itself).
    device : {"auto", "cpu", "cuda"} or str, default="auto"
        Where the networks train (see :class:`MLPNetClassifier`).
    n_jobs : int or None, default=None
        Trials in parallel (worker processes), as in
        :class:`~sklearn_automl.AutoMLClassifier`; ``None``: one at a time
        in this process, on one torch thread.
    executor : {"sequential", "processes"}, dask Client or None, default=None
        Where trials run (see :class:`~sklearn_automl.AutoMLClassifier`):
        trials get the same process isolation, timeouts and Dask support.
    checkpoint : str, path-like or None, default=None
        Folder of the trial log a restarted search resumes from.
    callbacks : list of callable or None, default=None
        Called with each :class:`~sklearn_automl.TrialResult`; ``True``
        stops the search.
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
        Its index in ``history_.trials``.
    history_ : History
        Every :class:`~sklearn_automl.TrialResult` (configuration, fidelity,
        score, status, error, times), as for the AutoML estimators; also as
        ``cv_results_`` and ``leaderboard_``.
    n_trials_ : int
    epochs_ : int
        Epochs of a full-fidelity trial (a trial at fidelity ``f`` trains
        ``round(f * epochs_)``).
    space_kind_ : {"mlp", "cnn"}
    searcher_ : Searcher
        The strategy's searcher after the search.
    architecture_cache_ : ArchitectureCache
        What the search loop asked: the strategy (screened by ``proxy_``)
        behind the cache of architectures already trained.
    n_cached_ : int
        Proposals of known architectures answered from the cache (trials
        saved).
    proxy_ : str or None
        The zero-cost proxy that screened the proposals.
    n_screened_ : int
        Proposals dropped by the zero-cost screening.
    darts_alpha_ : ndarray of shape (n_edges, n_ops)
        The architecture weights (``"darts"`` only; also ``darts_epochs_``
        and ``darts_time_``).
    phase_times_ : dict
        Seconds of each phase of ``fit`` (``"darts"`` included) and the total.
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
    _task = "classification"

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

    def _validate_y(self, y):
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y, got 1 class "
                f"({self.classes_[0]!r})."
            )
        return y

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
    _task = "regression"

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

    def _validate_y(self, y):
        return np.asarray(y, dtype=np.float64)
