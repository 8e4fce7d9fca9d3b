"""BaseAutoML: the parameters and the ``fit`` of the AutoML estimators.

``fit`` = validate -> plan -> search -> ensemble -> refit, each phase inside
its share of one :class:`~sklearn_automl._budget.Budget`. Every candidate is
a plain scikit-learn ``Pipeline``; the fitted search holds only ordinary
sklearn objects, so it pickles, clones and nests like any estimator. The
pieces live in modules of their own: :mod:`._validation` (input checks),
:mod:`._splits` (folds), :mod:`._budget` (the clock), :mod:`._engine` (the
search loop), :mod:`._refit` (ensemble choice and refit), :mod:`._fitted`
(``export_code``, ``summary``, ``feature_importances``).
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.metrics import check_scoring, get_scorer
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from ._budget import FALLBACK_SHARE, MEMBER_KILL_MARGIN, Budget
from ._checkpoint import open_checkpoint, stored_or_new_seed
from ._dask import DaskExecutor
from ._engine import SearchLoop
from ._evaluate import _is_neural
from ._execution import make_executor
from ._fitted import FittedSearchMixin
from ._metalearning import initial_configs
from ._objectives import Objectives
from ._persistence import PersistenceMixin
from ._plan import make_image_plan, make_plan
from ._refit import choose_feasible_members, fallback_rows, fit_fallback, refit_final
from ._resources import available_cores
from ._scoring import fold_safe_scorer
from ._splits import (
    make_validation,
    refit_fraction,
    refit_rows,
    scale_refit_params,
)
from ._validation import check_predict_input, validate_training_data
from ._workers import NEURAL_PRELOAD
from .search import (
    ASHA,
    BayesianSearch,
    EvolutionarySearch,
    FullFidelity,
    GridSearch,
    Hyperband,
    RandomSearch,
    Searcher,
    SuccessiveHalving,
)

__all__ = ["BaseAutoML"]

logger = logging.getLogger("sklearn_automl")

#: out-of-fold predictions kept for at most this many top trials
_MAX_OOF_TRIALS = 32
#: share of time_budget one trial may take with trial_timeout="auto"
_AUTO_TRIAL_SHARE = 0.25

_SEARCHERS = {
    "random": RandomSearch,
    "grid": GridSearch,
    "bayesian": BayesianSearch,
    "evolutionary": EvolutionarySearch,
}

_SCHEDULES = {
    "successive_halving": SuccessiveHalving,
    "hyperband": Hyperband,
    "asha": ASHA,
}


class BaseAutoML(FittedSearchMixin, PersistenceMixin, BaseEstimator):
    """Shared parameters and search loop of the AutoML estimators.

    Do not use directly: use :class:`AutoMLClassifier` or
    :class:`AutoMLRegressor`.
    """

    _parameter_constraints: ClassVar[dict] = {
        "time_budget": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "max_trials": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "scoring": [str, callable, None],
        "cv": [
            Interval(numbers.Integral, 2, None, closed="left"),
            Interval(numbers.Real, 0, 1, closed="neither"),
            HasMethods(["split", "get_n_splits"]),
            "cv_object",
            None,
        ],
        "search": [StrOptions(set(_SEARCHERS)), Searcher],
        "schedule": [
            StrOptions(set(_SCHEDULES)), HasMethods(["next_job", "report"]), None
        ],
        "initial_configs": [StrOptions({"portfolio"}), list, None],
        "family_allocation": [StrOptions({"uniform", "cost"})],
        "ensemble_size": [Interval(numbers.Integral, 0, None, closed="left")],
        "ensemble": [StrOptions({"selection", "stacking"})],
        "max_oof_memory": [Interval(numbers.Real, 0, None, closed="left")],
        "estimators": [list, tuple, str, None],
        "input_shape": [tuple, list, None],
        "n_jobs": [numbers.Integral, None],
        "executor": [
            StrOptions({"sequential", "processes"}),
            HasMethods(["scatter", "submit"]),
            HasMethods(["start", "submit", "collect", "close"]),
            None,
        ],
        "trial_timeout": [
            Interval(numbers.Real, 0, None, closed="neither"), StrOptions({"auto"}), None
        ],
        "trial_memory_limit": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "checkpoint": [str, os.PathLike, None],
        "callbacks": [list, tuple, None],
        "objectives": [tuple, list, str],
        "select": [StrOptions({"best_score", "knee"}), callable, dict],
        "max_predict_latency": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "max_model_size": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "max_predict_memory": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "latency_batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: the phase that prepares the searcher (the portfolio's meta-features)
    _warm_start_phase = "metafeatures"

    def __init__(
        self,
        *,
        time_budget=60.0,
        max_trials=None,
        scoring=None,
        cv=None,
        search="random",
        schedule=None,
        initial_configs="portfolio",
        family_allocation="uniform",
        ensemble_size=25,
        ensemble="selection",
        max_oof_memory=256,
        estimators=None,
        input_shape=None,
        n_jobs=None,
        executor=None,
        trial_timeout="auto",
        trial_memory_limit=None,
        checkpoint=None,
        callbacks=None,
        objectives=("score",),
        select="best_score",
        max_predict_latency=None,
        max_model_size=None,
        max_predict_memory=None,
        latency_batch_size=1000,
        random_state=None,
        verbose=0,
    ):
        self.time_budget = time_budget
        self.max_trials = max_trials
        self.scoring = scoring
        self.cv = cv
        self.search = search
        self.schedule = schedule
        self.initial_configs = initial_configs
        self.family_allocation = family_allocation
        self.ensemble_size = ensemble_size
        self.ensemble = ensemble
        self.max_oof_memory = max_oof_memory
        self.estimators = estimators
        self.input_shape = input_shape
        self.n_jobs = n_jobs
        self.executor = executor
        self.trial_timeout = trial_timeout
        self.trial_memory_limit = trial_memory_limit
        self.checkpoint = checkpoint
        self.callbacks = callbacks
        self.objectives = objectives
        self.select = select
        self.max_predict_latency = max_predict_latency
        self.max_model_size = max_model_size
        self.max_predict_memory = max_predict_memory
        self.latency_batch_size = latency_batch_size
        self.random_state = random_state
        self.verbose = verbose

    def __getstate__(self):
        # A fitted search pickles as plain sklearn objects: a live dask
        # connection given as ``executor`` is not part of it (None on load).
        state = super().__getstate__()
        executor = state.get("executor")
        if _is_dask_client(executor) or isinstance(executor, DaskExecutor):
            state = dict(state, executor=None)
        return state

    def __sklearn_clone__(self):
        # A dask Client is a live connection that cannot be deep-copied:
        # clones share it (like DaskExecutor does).
        executor = self.executor
        if not _is_dask_client(executor):
            return super().__sklearn_clone__()
        try:
            self.executor = None
            new = super().__sklearn_clone__()
        finally:
            self.executor = executor
        new.executor = executor
        return new

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Search pipelines for ``(X, y)`` and refit the best on all of it.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            Training data. DataFrames may mix numeric, boolean and
            categorical (string, ``category``) columns with missing values.
        y : array-like of shape (n_samples,)
            Target.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    def _fit(self, X, y):
        budget = Budget(self.time_budget)
        self._validate_parameters()
        objectives = Objectives.from_estimator(self)  # (_objectives.py)
        with self._logging():
            with budget.phase("validate"):
                X, y = self._check_training_data(X, y)
            n_workers, n_threads = self._n_threads()
            checkpoint_seed = stored_or_new_seed(self.checkpoint, self.random_state)
            rng = check_random_state(
                self.random_state if checkpoint_seed is None else checkpoint_seed
            )
            with budget.phase("plan"):
                plan = self._make_plan(X)
                self.column_kinds_ = dict(plan.kinds)
                validation = make_validation(  # by size and budget (_splits.py)
                    X, y, self.cv, classification=self._task == "classification",
                    seed=int(rng.randint(np.iinfo(np.int32).max)),
                    images=self.input_shape_ is not None,
                    time_budget=self.time_budget, cores=n_workers * n_threads,
                )
                splits, self._splitter = validation.splits, validation.splitter
                self._trial_rows = validation.trial_rows
                self.n_splits_ = len(splits)
                self.validation_ = validation.description
                self.scorer_ = self._make_scorer(y, splits)
                model_seed = int(rng.randint(np.iinfo(np.int32).max))
            memory_limit = (
                None if self.trial_memory_limit is None
                else int(self.trial_memory_limit * 2**20)
            )
            neural = any(_is_neural(c.estimator) for c in plan.components.values())
            executor = make_executor(self.executor, n_workers, memory_limit=memory_limit,
                                     preload=NEURAL_PRELOAD if neural else ())
            if hasattr(executor, "warm_up"):  # its imports overlap the warm start
                executor.warm_up()
            with budget.phase(self._warm_start_phase):
                searcher = self._make_searcher(plan, rng, X, y, budget=budget)
            scheduler = self._make_scheduler(searcher)
            checkpoint = None
            if self.checkpoint is not None:
                checkpoint = open_checkpoint(
                    self.checkpoint, X, y, task=self._task, space=plan.space,
                    splits=splits, scoring=self.scoring, search=self.search,
                    schedule=self.schedule, seed=checkpoint_seed,
                )
            max_oof = self._max_oof_trials(X.shape[0])
            if self.ensemble_size and max_oof < 2:
                logger.info(
                    "max_oof_memory=%s MB holds the out-of-fold predictions of %d "
                    "trial(s) on this data: no ensemble will be built.",
                    self.max_oof_memory, max_oof,
                )
            if budget.bounded and budget.left() <= FALLBACK_SHARE * budget.time_budget:
                # the plan ate the search's time: no trial can start, so start
                # no workers (their start-up alone can overrun the budget)
                logger.warning(
                    "%.1fs of time_budget=%ss are left after planning: no trial "
                    "can run; the fallback baseline is fitted.", budget.left(),
                    self.time_budget,
                )
                executor = make_executor("sequential", n_workers)
            if isinstance(executor, DaskExecutor):
                n_threads = 1  # the cluster's workers own their cores
            try:
                loop = SearchLoop(
                    plan, scheduler, executor, budget, n_rows=X.shape[0],
                    n_splits=len(splits),
                    train_frac=float(np.mean([len(tr) for tr, _ in splits]))
                    / validation.planned_refit_rows(len(y)),
                    max_trials=self.max_trials, trial_timeout=self._trial_timeout(),
                    timeout_after_success=self.trial_timeout == "auto",
                    n_threads=n_threads, model_seed=model_seed, max_oof_trials=max_oof,
                    ensemble=bool(self.ensemble_size) and max_oof >= 2,
                    refit_workers=executor.n_workers, checkpoint=checkpoint,
                    callbacks=self.callbacks, verbose=self.verbose,
                    objectives=objectives,
                    family_allocation=getattr(self, "family_allocation", "uniform"),
                )
                with budget.phase("search"):
                    executor.start(
                        X, y, splits, self.scorer_,
                        classes=getattr(self, "classes_", None),
                        subsample_seed=model_seed, return_oof=max_oof > 0,
                        latency_batch_size=objectives.latency_batch_size,
                    )
                    history = loop.run()
                self.history_ = history
                self.n_trials_ = history.n_evaluated
                self.searcher_time_ = loop.searcher_time
                self.cv_results_ = history.cv_results()
                self.pareto_front_ = objectives.front(history.trials)
                with budget.phase("selection"):
                    members = self._choose_members(loop, y, budget, model_seed,
                                                   objectives=objectives)
                if loop.interrupted:  # its workers are gone: refit here
                    executor = make_executor("sequential", 1)
                    executor.start(X, y, splits, self.scorer_)
                with budget.phase("refit"):
                    self._refit(plan, history, members, executor, budget, X, y,
                                model_seed, max(n_workers * n_threads, 1),
                                objectives=objectives)
            finally:
                with budget.phase("close"):
                    executor.close()
        self.phase_times_ = budget.report()
        self.search_time_ = self.phase_times_["total"]
        if budget.bounded and budget.left() < -1:
            logger.warning("fit ran %.1fs past time_budget=%ss.", -budget.left(),
                           self.time_budget)
        return self

    def _check_training_data(self, X, y):
        return validate_training_data(self, X, y)

    def _make_plan(self, X):
        if self.input_shape_ is not None:
            return make_image_plan(X, self._task, self.estimators, self.input_shape)
        return make_plan(X, self._task, self.estimators)

    def _validate_parameters(self):
        if self.time_budget is None and self.max_trials is None:
            raise ValueError(
                "Set time_budget (seconds) or max_trials (or both); with neither "
                "the search would never stop."
            )

    def _n_threads(self):
        """``(trials in parallel, threads per trial)`` from ``n_jobs``.

        ``None``: one trial at a time on one thread (in this process unless
        ``executor`` says otherwise). ``k``: ``k`` trials in parallel, each
        with ``cores // k`` threads (at least 1), so that trials x threads
        never oversubscribe the cores; ``-1``: one trial per core.
        """
        n = self.n_jobs
        cpus = available_cores()
        if n is None:
            workers = 1
        elif n == 0:
            raise ValueError("n_jobs=0 is not valid; use a positive number, -1 or None.")
        elif n < 0:
            workers = max(cpus + 1 + n, 1)
        else:
            workers = n
        if n is None:
            return workers, 1
        return workers, max(1, cpus // workers)

    @contextmanager
    def _logging(self):
        handler = None
        if self.verbose and not logger.handlers and not logging.getLogger().handlers:
            handler = logging.StreamHandler()
            handler.setFormatter(logging.Formatter("[sklearn_automl] %(message)s"))
            logger.addHandler(handler)
        old = logger.level
        if self.verbose:
            logger.setLevel(logging.INFO if self.verbose >= 1 else logging.WARNING)
        try:
            yield
        finally:
            if handler is not None:
                logger.removeHandler(handler)
            logger.setLevel(old)
    def _make_scorer(self, y=None, splits=None):
        """The search's scorer; with ``splits``, one defined on every fold.

        A metric undefined on some validation fold (see :mod:`._scoring`) is
        replaced by log loss over all classes or the mean squared error.
        """
        scoring = self.scoring if self.scoring is not None else self._default_scoring()
        if isinstance(scoring, str):
            try:
                scorer = get_scorer(scoring)
            except ValueError:
                raise ValueError(
                    f"scoring={scoring!r} is not a scikit-learn scorer name; see "
                    "sklearn.metrics.get_scorer_names() for the valid ones, or pass "
                    "a callable scorer(estimator, X, y)."
                ) from None
        else:
            scorer = check_scoring(self, scoring=scoring)
        if splits is None:
            return scorer
        return fold_safe_scorer(
            scorer, y, splits, classes=getattr(self, "classes_", None),
            scoring_name=scoring if isinstance(scoring, str) else repr(scorer),
            given=self.scoring is not None,
        )

    def _make_searcher(self, plan, rng, X=None, y=None, *, budget=None):
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if isinstance(self.search, str):
            searcher = _SEARCHERS[self.search]()
        else:
            searcher = clone(self.search)
        updates = {}
        if searcher.get_params().get("space") is None:
            updates["space"] = plan.space
        if searcher.get_params().get("initial_configs") is None:
            updates["initial_configs"] = initial_configs(
                self.initial_configs, plan, X, y, self._task
            )
        if searcher.get_params().get("random_state") is None:
            updates["random_state"] = seed
        return searcher.set_params(**updates)

    def _max_oof_trials(self, n_rows):
        """How many trials keep out-of-fold predictions (0: none are computed)."""
        if self.ensemble_size == 0:
            return 0
        width = len(getattr(self, "classes_", [0]))
        per_trial = 4 * n_rows * width / 2**20  # float32, MB
        return int(min(_MAX_OOF_TRIALS, self.max_oof_memory // max(per_trial, 1e-9)))

    # --------------------------------------------------------------- search
    def _make_scheduler(self, searcher):
        schedule = self.schedule
        if schedule is None:
            return FullFidelity(searcher)
        if isinstance(schedule, str):
            return _SCHEDULES[schedule](searcher)
        scheduler = clone(schedule)
        if scheduler.get_params(deep=False).get("searcher") is None:
            scheduler.set_params(searcher=searcher)
        return scheduler
    def _trial_timeout(self):
        """Seconds one trial may run (``None``: only the budget limits it)."""
        if self.trial_timeout == "auto":
            if self.time_budget is None:
                return None
            return max(self.time_budget * _AUTO_TRIAL_SHARE, 1.0)
        return self.trial_timeout

    # ------------------------------------------------------ ensemble, refit
    def _choose_members(self, loop, y, budget, model_seed, objectives):
        """The ensemble's (trial, weight) pairs; [] for the best single model."""
        self.ensemble_score_ = math.nan
        if (not self.ensemble_size or loop.history.best() is None
                or objectives.select != "best_score"):  # a chosen trial: alone
            return []
        members, self.ensemble_score_ = choose_feasible_members(
            loop.refit_candidates(), y, self.scorer_, objectives,
            ensemble_size=self.ensemble_size,
            method=self.ensemble, classes=getattr(self, "classes_", None),
            max_time=budget.selection_seconds(), random_state=model_seed,
        )
        return members

    def _refit(self, plan, history, members, executor, budget, X, y, model_seed,
               n_threads, objectives):
        best = objectives.choose(history)  # feasible, by `select`
        if best is None:
            failed = [t for t in history.trials if t.status == "failed"]
            if failed and len(failed) == len(history.trials):
                quoted = "; ".join(
                    f"trial {t.trial_id} ({t.family}): {t.error}" for t in failed[:3]
                )
                raise ValueError(
                    f"All {len(failed)} trial{'s' if len(failed) > 1 else ''} failed, "
                    "so no model was fitted. "
                    f"First failures: {quoted}"
                )
            config = self._fallback_config(plan)
            warnings.warn(
                f"No trial finished within time_budget={self.time_budget}s; "
                f"fitting the fastest baseline ({config['family']} with default "
                "parameters) without validation. Raise time_budget for a real search.",
                UserWarning,
                stacklevel=4,
            )
            estimator = None
        else:
            config = best.config
            fraction = refit_fraction(  # < 1 only when the trials were subsampled
                self._trial_rows, [t for t, _ in members] or [best], n_rows=X.shape[0],
                seconds=budget.left() - MEMBER_KILL_MARGIN if budget.bounded else None,
                n_workers=executor.n_workers,
                n_classes=len(getattr(self, "classes_", [])) or None,
            )
            self.n_samples_refit_ = refit_rows(
                y, fraction, classification=self._task == "classification",
                seed=model_seed)
            scale_refit_params([t for t, _ in members] or [best],
                               self.n_samples_refit_, X.shape[0])
            estimator, members, threads = refit_final(
                plan, members, best, executor=executor, budget=budget, X=X, y=y,
                task=self._task, model_seed=model_seed, n_threads=n_threads,
                method=self.ensemble, splitter=self._splitter,
                n_splits=self.n_splits_, objectives=objectives, row_fraction=fraction,
            )
        if estimator is None:  # not even the best pipeline could be refit in time
            config = self._fallback_config(plan)
            if best is not None:
                warnings.warn(
                    "The best pipeline could not be refit within time_budget="
                    f"{self.time_budget}s; fitting the fastest baseline "
                    f"({config['family']} with default parameters) instead.",
                    UserWarning,
                    stacklevel=4,
                )
            best = None
            # the fallback's share of the budget was kept for it: a bounded
            # row sample (a network also stops at max_time), never killed
            seconds = None if not budget.bounded else max(
                budget.left(), FALLBACK_SHARE * budget.time_budget, 1.0)
            estimator = fit_fallback(plan, config, X, y, task=self._task,
                                     model_seed=model_seed, seconds=seconds)
            self.n_samples_refit_ = fallback_rows(y, task=self._task)
            members, threads = [], 1
        if len(members) == 1 and members[0][0] not in (None, best):
            best, config = members[0][0], members[0][0].config  # within the limits
        if not members and best is not None:
            members = [(best, 1.0)]
        self.best_config_ = dict(config)
        self.best_score_ = math.nan if best is None else best.mean_score
        self.best_index_ = None if best is None else history.trials.index(best)
        # with the refit's own parameters (an early-stopped iteration count)
        self.best_params_ = {**plan.model_params(config),
                             **(best.refit_params if best is not None else {})}
        self.best_family_ = config["family"]
        self.refit_time_ = budget.phase_times.get("refit", 0.0)
        self.refit_n_threads_ = threads
        self.n_samples_fit_ = X.shape[0]
        if self.n_samples_refit_ < X.shape[0]:
            what = "final model" if best is not None else "fallback baseline"
            self.validation_ += (f", {what} fitted on {self.n_samples_refit_:,} of "
                                 f"{X.shape[0]:,} rows")
        self.best_estimator_ = estimator
        self.best_estimator_profile_ = dict(objectives.final_profile)
        self.ensemble_members_ = [t.trial_id for t, _ in members]
        self.ensemble_weights_ = np.array([w for _, w in members], dtype=float)
        self.leaderboard_ = history.leaderboard(
            weights={t.trial_id: w for t, w in members}
        )

    @staticmethod
    def _fallback_config(plan):
        name = "linear" if "linear" in plan.components else next(iter(plan.components))
        return plan.space.default({"family": name})

    def predict(self, X):
        """Predict with the refit best pipeline.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)
            The same columns as in ``fit``, by name and order.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        X = check_predict_input(self, X)
        return self.best_estimator_.predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


def _is_dask_client(obj):
    return type(obj).__name__ == "Client" and hasattr(obj, "scatter")
