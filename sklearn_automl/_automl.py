"""AutoMLClassifier and AutoMLRegressor: a pipeline search that is an estimator.

``fit`` = validate -> plan -> search -> refit. Every candidate is a plain
scikit-learn ``Pipeline``; the fitted search holds only ordinary sklearn
objects, so it pickles, clones and nests like any estimator.
"""

from __future__ import annotations

import logging
import math
import numbers
import os
import time
import warnings
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    _fit_context,
    clone,
)
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.exceptions import DataConversionWarning
from sklearn.metrics import check_scoring, get_scorer
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    validate_data,
)

from ._checkpoint import Checkpoint, fingerprint_data
from ._evaluate import _limit_threads
from ._execution import DaskExecutor, make_executor
from ._history import History, TrialResult
from ._metalearning import portfolio_configs
from ._plan import ImagePlan, make_image_plan, make_plan
from ._progress import Progress, run_callbacks
from ._resources import available_cores
from .ensemble import (
    StackedEnsembleClassifier,
    StackedEnsembleRegressor,
    ensemble_selection,
)
from .search import (
    ASHA,
    BayesianSearch,
    EvolutionarySearch,
    FullFidelity,
    GridSearch,
    Hyperband,
    RandomSearch,
    Searcher,
    SearchExhausted,
    SuccessiveHalving,
)
from .space import config_key

__all__ = ["AutoMLClassifier", "AutoMLRegressor", "BaseAutoML"]

logger = logging.getLogger("sklearn_automl")

#: rows above which cv="auto" uses one stratified holdout instead of 5 folds
_AUTO_HOLDOUT_ROWS = 20_000
#: out-of-fold predictions kept for at most this many top trials
_MAX_OOF_TRIALS = 32
#: trials whose refit time is reserved from the budget when ensembling
_ENSEMBLE_RESERVE_TRIALS = 5
#: the most of the budget reserved for refitting ensemble members
_ENSEMBLE_RESERVE_SHARE = 0.25
#: share of the budget reserved for greedy selection (scoring the candidates'
#: averages: about 2 s for 32 candidates x 25 steps on 5,000 rows)
_SELECTION_RESERVE_SHARE = 0.03
#: safety factor on the predicted refit time reserved from the budget (the
#: refit cannot be interrupted, so err on the side of stopping early)
_REFIT_SAFETY = 1.5
#: share of the elapsed time a searcher may spend on its own work (surrogate
#: fits) under a time budget
_MAX_SEARCHER_OVERHEAD = 0.04
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


class BaseAutoML(BaseEstimator):
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
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

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
        start = time.monotonic()
        self._validate_parameters()
        X, y = self._validate_training_data(X, y)
        task = self._task
        n_workers, n_threads = self._n_threads()
        checkpoint_seed = _checkpoint_seed(self.checkpoint, self.random_state)
        rng = check_random_state(
            self.random_state if checkpoint_seed is None else checkpoint_seed
        )
        with self._logging():
            if self.input_shape_ is not None:
                plan = make_image_plan(X, task, self.estimators, self.input_shape)
            else:
                plan = make_plan(X, task, self.estimators)
            self.column_kinds_ = dict(plan.kinds)
            splits = self._make_splits(X, y, rng)
            scorer = self._make_scorer()
            self.scorer_ = scorer
            model_seed = int(rng.randint(np.iinfo(np.int32).max))
            searcher = self._make_searcher(plan, rng, X, y)
            scheduler = self._make_scheduler(searcher)
            deadline = None if self.time_budget is None else start + self.time_budget
            checkpoint = None
            if self.checkpoint is not None:
                checkpoint = self._open_checkpoint(
                    X, y, plan, splits, scorer, checkpoint_seed
                )
            history = self._search(
                plan, scheduler, X, y, splits, scorer, model_seed, n_threads, deadline,
                n_workers=n_workers, start=start, checkpoint=checkpoint,
            )
            self._refit(plan, history, X, y, model_seed, n_workers * n_threads,
                        deadline, splits)
        self.search_time_ = time.monotonic() - start
        return self

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

    def _validate_training_data(self, X, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        self.input_shape_ = None
        if not isinstance(X, pd.DataFrame) and (
            self.input_shape is not None or _ndim(X) in (3, 4)
        ):
            # images: searched with the CNN family only (see make_image_plan)
            from .nas._estimators import image_batch

            X = validate_data(self, X, reset=True, dtype="numeric", allow_nd=True)
            self.input_shape_ = image_batch(X[:1], self.input_shape).shape[1:]
        elif isinstance(X, pd.DataFrame):
            _check_frame(X)
            validate_data(self, X, reset=True, skip_check_array=True)
        else:
            if hasattr(X, "tocsr") or hasattr(X, "toarray"):
                raise TypeError(
                    "Sparse input is not supported by the featurizer; pass a dense "
                    "array or a DataFrame."
                )
            try:
                X = validate_data(
                    self, X, reset=True, dtype="numeric", ensure_all_finite="allow-nan"
                )
            except ValueError as exc:
                if "convert" in str(exc) or "strings" in str(exc):
                    raise ValueError(
                        "X holds non-numeric values; pass mixed-type data as a "
                        f"pandas DataFrame. ({exc})"
                    ) from exc
                raise
        y = self._validate_y(y)
        check_consistent_length(X, y)
        return X, y

    def _make_splits(self, X, y, rng):
        n = X.shape[0]
        classification = self._task == "classification"
        cv = self.cv
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if cv is None:
            # a CNN trial is costly: one holdout for images rather than 5 folds
            images = getattr(self, "input_shape_", None) is not None
            cv = 0.2 if n > _AUTO_HOLDOUT_ROWS or images else 5
        if isinstance(cv, numbers.Real) and not isinstance(cv, numbers.Integral):
            n_test = math.ceil(cv * n)
            if n_test < 1 or n - n_test < 1:
                raise ValueError(
                    f"cv={cv} as a holdout fraction leaves no rows to train or to "
                    f"validate on with n_samples={n}."
                )
            if classification and n_test >= len(self.classes_) and (
                np.bincount(np.unique(y, return_inverse=True)[1]).min() >= 2
            ):
                splitter = StratifiedShuffleSplit(1, test_size=cv, random_state=seed)
            else:
                splitter = ShuffleSplit(1, test_size=cv, random_state=seed)
        elif isinstance(cv, numbers.Integral):
            if n < cv:
                raise ValueError(
                    f"X has n_samples={n}, fewer than the cv={cv} folds it must be "
                    "split into; pass fewer folds or more rows."
                )
            if classification:
                counts = np.bincount(np.unique(y, return_inverse=True)[1])
                if counts.max() >= cv:
                    splitter = StratifiedKFold(cv, shuffle=True, random_state=seed)
                else:
                    splitter = KFold(cv, shuffle=True, random_state=seed)
            else:
                splitter = KFold(cv, shuffle=True, random_state=seed)
        else:
            splitter = check_cv(cv, y, classifier=classification)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = [
                (np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(X, y)
            ]
        if not splits:
            raise ValueError(f"cv={self.cv!r} produced no train/validation split.")
        for tr, te in splits:
            if len(tr) == 0 or len(te) == 0:
                raise ValueError(f"cv={self.cv!r} produced an empty train or test fold.")
        self.n_splits_ = len(splits)
        # Kept for stacking, whose own fit() cross-fits on the same folds (a
        # wrapped iterable of splits is no splitter export_code can write).
        public = not type(splitter).__name__.startswith("_")
        self._splitter = splitter if public and hasattr(splitter, "split") else None
        return splits

    def _make_scorer(self):
        scoring = self.scoring if self.scoring is not None else self._default_scoring()
        if isinstance(scoring, str):
            try:
                return get_scorer(scoring)
            except ValueError:
                raise ValueError(
                    f"scoring={scoring!r} is not a scikit-learn scorer name; see "
                    "sklearn.metrics.get_scorer_names() for the valid ones, or pass "
                    "a callable scorer(estimator, X, y)."
                ) from None
        return check_scoring(self, scoring=scoring)

    def _make_searcher(self, plan, rng, X=None, y=None):
        seed = int(rng.randint(np.iinfo(np.int32).max))
        if isinstance(self.search, str):
            searcher = _SEARCHERS[self.search]()
        else:
            searcher = clone(self.search)
        updates = {}
        if searcher.get_params().get("space") is None:
            updates["space"] = plan.space
        if searcher.get_params().get("initial_configs") is None:
            updates["initial_configs"] = self._initial_configs(plan, X, y)
        if searcher.get_params().get("random_state") is None:
            updates["random_state"] = seed
        if "max_overhead" in searcher.get_params() and self.time_budget is not None and (
            searcher.get_params()["max_overhead"] is None
        ):
            # Under a time budget the searcher's own work must stay small.
            updates["max_overhead"] = _MAX_SEARCHER_OVERHEAD
        return searcher.set_params(**updates)

    def _initial_configs(self, plan, X, y):
        """The first configurations: the portfolio's, the user's or the defaults."""
        defaults = plan.default_configs()
        given = self.initial_configs
        if given is None:
            return defaults
        if isinstance(given, str):  # "portfolio"; needs the data's meta-features
            # The portfolio holds tabular pipelines; images search the CNN space.
            if X is None or isinstance(plan, ImagePlan):
                return defaults
            try:
                configs = portfolio_configs(X, y, self._task, plan.space, kinds=plan.kinds)
            except Exception as exc:  # noqa: BLE001 - a warm start is optional
                logger.warning(
                    "The portfolio warm start failed (%s); starting from each "
                    "family's defaults.", exc,
                )
                return defaults
            # The first family's defaults (the cheapest built-in family) lead:
            # the portfolio was built on small samples without regard to cost,
            # and a slow first trial leaves short budgets with nothing. Families
            # the portfolio does not cover (custom ones) still come early.
            covered = {c["family"] for c in configs}
            rest = [c for c in defaults[1:] if c["family"] not in covered]
            return [defaults[0], *(c for c in configs if c != defaults[0]), *rest]
        configs = []
        for i, config in enumerate(given):
            if not isinstance(config, dict):
                raise TypeError(
                    f"initial_configs[{i}] must be a dict like {{'family': 'lightgbm', "
                    f"'lightgbm__num_leaves': 63}}, got {type(config).__name__}."
                )
            try:
                configs.append(plan.space.validate(config))
            except ValueError as exc:
                raise ValueError(f"initial_configs[{i}]: {exc}") from None
        return configs

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

    def _search(self, plan, scheduler, X, y, splits, scorer, model_seed, n_threads,
                deadline, *, n_workers=1, start=None, checkpoint=None):
        n_rows = X.shape[0]
        max_oof = self._max_oof_trials(n_rows)
        if self.ensemble_size and max_oof < 2:
            logger.info(
                "max_oof_memory=%s MB holds the out-of-fold predictions of %d trial(s) "
                "on this data: no ensemble will be built.", self.max_oof_memory, max_oof,
            )
        history = History(max_oof_trials=max_oof)
        classes = getattr(self, "classes_", None)
        train_frac = float(np.mean([len(tr) for tr, _ in splits])) / n_rows
        # family -> (fit seconds per fold at fidelity 1, predict seconds per fold)
        costs = {}
        memory_limit = (
            None if self.trial_memory_limit is None
            else int(self.trial_memory_limit * 2**20)
        )
        executor = make_executor(self.executor, n_workers, memory_limit=memory_limit)
        if isinstance(executor, DaskExecutor):
            n_threads = 1  # the cluster's workers own their cores
        trial_timeout = self._trial_timeout()
        running = {}  # trial_id -> (Job, results received when it was issued)
        self.searcher_time_ = 0.0
        trial_id = 0
        rerun = []  # (trial_id, Job) issued before a crash and never finished
        if checkpoint is not None:
            trial_id, rerun = self._replay(
                checkpoint, scheduler, history, costs, len(splits)
            )
        progress = Progress(
            self.verbose == 1, time_budget=self.time_budget,
            max_trials=self.max_trials, start=start,
        )
        progress.update(None, history, history.n_evaluated)
        stopping = halted = completed = False
        try:
            executor.start(
                X, y, splits, scorer, classes=classes, subsample_seed=model_seed,
                return_oof=max_oof > 0,
            )
            while True:
                while not stopping and executor.n_running < executor.n_workers:
                    search_deadline = None
                    if deadline is not None:
                        search_deadline = deadline - self._refit_reserve(
                            history, train_frac
                        )
                        if self._out_of_time(
                            plan, scheduler, costs, search_deadline, len(splits)
                        ):
                            stopping = True
                            break
                    if rerun:
                        tid, job = rerun.pop(0)
                    else:
                        if (self.max_trials is not None
                                and history.n_evaluated + len(running) >= self.max_trials):
                            stopping = True
                            break
                        t0 = time.perf_counter()
                        try:
                            job = scheduler.next_job()
                        except SearchExhausted:
                            logger.info(
                                "The search space is exhausted after %d trials.",
                                trial_id,
                            )
                            stopping = True
                            break
                        finally:
                            self.searcher_time_ += time.perf_counter() - t0
                        if job is None:  # waiting for running trials (promotions)
                            break
                        tid = trial_id
                        trial_id += 1
                    task = self._trial_task(
                        plan, job, tid, costs, search_deadline, model_seed,
                        n_threads, n_rows, len(splits),
                    )
                    if isinstance(task, TrialResult):  # skipped: predicted too slow
                        halted = self._record(
                            task, job, scheduler, history, checkpoint, len(history),
                            progress,
                        )
                        if halted:
                            break
                        continue
                    if trial_timeout is not None:
                        limit = time.monotonic() + trial_timeout
                        task["deadline"] = (
                            limit if task["deadline"] is None
                            else min(limit, task["deadline"])
                        )
                    running[tid] = (job, len(history))
                    executor.submit(task)
                if halted or executor.n_running == 0:
                    break
                for result in executor.collect():
                    job, issued_after = running.pop(result.trial_id)
                    self._update_costs(costs, result, len(splits))
                    if self._record(
                        result, job, scheduler, history, checkpoint, issued_after,
                        progress,
                    ):
                        halted = True
                if halted:
                    logger.info("A callback stopped the search after %d trials.",
                                len(history))
                    break
            completed = True
        except KeyboardInterrupt:
            if not history.successful:
                raise
            warnings.warn(
                f"fit was interrupted (KeyboardInterrupt) after {len(history)} "
                "trials; the best of the trials completed so far is refit. "
                f"{len(running)} running trial(s) were stopped and not recorded.",
                UserWarning,
                stacklevel=4,
            )
        finally:
            executor.close()
            progress.close()
            if checkpoint is not None:
                checkpoint.write_summary(history, finished=completed)
                checkpoint.close()
        self.history_ = history
        self.n_trials_ = history.n_evaluated
        self.cv_results_ = history.cv_results()
        self.leaderboard_ = history.leaderboard()
        return history

    def _trial_timeout(self):
        """Seconds one trial may run (``None``: only the budget limits it)."""
        if self.trial_timeout == "auto":
            if self.time_budget is None:
                return None
            return max(self.time_budget * _AUTO_TRIAL_SHARE, 1.0)
        return self.trial_timeout

    # ------------------------------------------------------------ checkpoint
    def _open_checkpoint(self, X, y, plan, splits, scorer, seed):
        import joblib

        def name(obj):
            if isinstance(obj, str) or obj is None:
                return obj
            return type(obj).__qualname__

        scoring = self.scoring
        fingerprint = {
            "data": fingerprint_data(X, y),
            "task": self._task,
            "space": plan.space.fingerprint(),
            "splits": joblib.hash(splits),
            "scoring": scoring if isinstance(scoring, str) or scoring is None
            else getattr(scoring, "__qualname__", type(scoring).__qualname__),
            "search": name(self.search),
            "schedule": name(self.schedule),
            "seed": seed,
        }
        return Checkpoint(self.checkpoint, fingerprint, seed=seed)

    def _replay(self, checkpoint, scheduler, history, costs, n_folds):
        """Feed a checkpoint's finished trials to the scheduler and history.

        Jobs are drawn from the scheduler again, interleaved with the logged
        results exactly as in the interrupted run (each record knows how
        many results had arrived when it was issued), so that the searcher
        and scheduler end in the state they had; each drawn job must match
        the logged configuration. Jobs issued then but never finished (in
        flight when the process died) are returned to be run again.

        Returns
        -------
        next_trial_id : int
        rerun : list of (trial_id, Job)
        """
        records = checkpoint.load()
        checkpoint.open()
        if not records:
            return 0, []
        results = [Checkpoint.result(r) for r in records]
        by_id = {res.trial_id: res for res in results}
        # the largest trial id issued before the r-th result arrived
        n = len(records)
        issued_by = np.full(n, -1, dtype=np.int64)
        np.maximum.at(
            issued_by,
            np.clip([rec["issued_after"] for rec in records], 0, n - 1),
            [res.trial_id for res in results],
        )
        issued_by = np.maximum.accumulate(issued_by)
        jobs = {}
        next_id = 0
        try:
            for r, res in enumerate(results):
                while next_id <= issued_by[r]:
                    job = scheduler.next_job()
                    logged = by_id.get(next_id)
                    if job is None or (logged is not None and (
                        config_key(job.config) != config_key(logged.config)
                        or not math.isclose(job.fidelity, logged.fidelity)
                    )):
                        raise _ReplayMismatch(next_id)
                    jobs[next_id] = job
                    next_id += 1
                scheduler.report(jobs.pop(res.trial_id), res.mean_score if res.ok
                                 else None)
                history.append(res)
                self._update_costs(costs, res, n_folds)
        except (_ReplayMismatch, SearchExhausted) as exc:
            warnings.warn(
                f"The checkpoint's trials could not be replayed into the searcher "
                f"from trial {exc} on (its proposals differ from the logged ones); "
                "the logged trials are kept in the history, and the search goes on "
                "from there without learning from them.",
                UserWarning,
                stacklevel=4,
            )
            done = {t.trial_id for t in history.trials}
            searcher = getattr(scheduler, "searcher", None)
            for res in results:
                if res.trial_id not in done:
                    history.append(res)
                    self._update_costs(costs, res, n_folds)
                    if searcher is not None and hasattr(searcher, "seen_"):
                        searcher.seen_.add(config_key(res.config))
            return max(by_id) + 1, []
        logger.info(
            "Resumed from checkpoint %r: %d finished trials replayed, %d to run again.",
            checkpoint.path, len(results), len(jobs),
        )
        return next_id, sorted(jobs.items())

    @staticmethod
    def _out_of_time(plan, scheduler, costs, search_deadline, n_splits):
        """No time left, or no family fits at the lowest fidelity.

        While some family has not been tried yet its cost is unknown, so the
        search goes on.
        """
        left = search_deadline - time.monotonic()
        if left <= 0:
            return True
        if len(costs) < len(plan.components):
            return False
        low = min(getattr(scheduler, "fidelities_", [1.0]))
        folds = plan.n_folds_at(low, n_splits)
        return min(folds * (fit * low + predict) for fit, predict in costs.values()) > left

    def _trial_task(self, plan, job, trial_id, costs, search_deadline, model_seed,
                    n_threads, n_rows, n_splits):
        """``evaluate`` keyword arguments for ``job``, or a skipped TrialResult."""
        config = job.config
        family = config["family"]
        params = plan.model_params(config)
        n_folds = plan.n_folds_at(job.fidelity, n_splits)
        cost = costs.get(family)
        if search_deadline is not None and cost is not None and (
            time.monotonic() + n_folds * (cost[0] * job.fidelity + cost[1])
            > search_deadline
        ):
            return TrialResult(
                trial_id, config, family, params, "skipped",
                error="predicted to overrun the time budget", fidelity=job.fidelity,
            )
        rows, iterations = plan.fidelity_split(config, job.fidelity)
        threads = plan.components[family].n_threads(n_threads, n_rows)
        pipeline = plan.build(
            config, random_state=model_seed, n_jobs=threads,
            iteration_fraction=iterations,
        )
        return {
            "estimator": pipeline, "trial_id": trial_id, "config": config,
            "family": family, "params": params, "deadline": search_deadline,
            "n_threads": threads, "row_fraction": rows, "fidelity": job.fidelity,
            "max_folds": n_folds,
        }

    @staticmethod
    def _update_costs(costs, result, n_folds):
        """Learn a family's cost per fold: fit scaled to fidelity 1, predict as is."""
        fidelity = max(result.fidelity, 1e-3)
        if result.scores.size:
            k = len(result.scores)
            costs[result.family] = (
                result.fit_time / k / fidelity, result.predict_time / k
            )
        else:  # failed, or stopped inside its first fold: a lower bound
            scale = n_folds if result.status == "timeout" else 1
            costs[result.family] = (result.duration * scale / n_folds / fidelity, 0.0)

    def _record(self, result, job, scheduler, history, checkpoint=None,
                issued_after=0, progress=None):
        """Report a finished trial everywhere; whether a callback stops the search."""
        t0 = time.perf_counter()
        scheduler.report(job, result.mean_score if result.ok else None)
        self.searcher_time_ += time.perf_counter() - t0
        history.append(result)
        if checkpoint is not None:
            checkpoint.append(result, issued_after)
            checkpoint.write_summary(history)
        self._log_trial(result, history)
        if progress is not None:
            progress.update(result, history, history.n_evaluated)
        return run_callbacks(self.callbacks, result)

    def _refit_reserve(self, history, train_frac):
        """Seconds kept for the final refit: the best trial's, or when
        ensembling the top trials' (up to a share of the budget)."""
        best = history.best()
        if best is None:
            return 0.0
        reserve = _refit_seconds(best, train_frac)
        if self.ensemble_size and self.time_budget is not None:
            top = sorted(
                (t for t in history.successful if t.oof is not None and t.fidelity == 1),
                key=lambda t: (-t.mean_score, t.trial_id),
            )[:_ENSEMBLE_RESERVE_TRIALS]
            total = sum(_refit_seconds(t, train_frac) for t in top if t is not best)
            reserve += min(total, _ENSEMBLE_RESERVE_SHARE * self.time_budget)
            if self.ensemble == "selection":
                reserve += _SELECTION_RESERVE_SHARE * self.time_budget
        return reserve

    def _log_trial(self, result, history):
        if self.verbose < 2:
            return
        best = history.best()
        logger.info(
            "trial %d %-22s f=%.3f %-8s score=%.5f best=%.5f (%.2fs)%s",
            result.trial_id, result.family, result.fidelity, result.status,
            result.mean_score,
            best.mean_score if best else math.nan, result.duration,
            f" {result.error}" if result.error else "",
        )

    # ---------------------------------------------------------------- refit
    def _refit(self, plan, history, X, y, model_seed, n_threads, deadline, splits):
        best = history.best()
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
                stacklevel=3,
            )
            self.best_config_ = config
            self.best_score_ = math.nan
            self.best_index_ = None
        else:
            config = best.config
            self.best_config_ = dict(config)
            self.best_score_ = best.mean_score
            self.best_index_ = history.trials.index(best)
        self.best_params_ = plan.model_params(config)
        self.best_family_ = config["family"]
        n_rows = X.shape[0]
        members = self._choose_members(history, best, y, splits, deadline)
        if len(members) > 1:
            estimator = self._ensemble_estimator(
                plan, members, model_seed, n_threads, n_rows, splits
            )
            # The OpenMP/BLAS limit of the most restricted member (OpenMP models
            # on small data run on one thread, as in their trials: more threads
            # on a busy machine make them many times slower).
            n_threads = min(
                plan.components[t.family].n_threads(n_threads, n_rows) for t, _ in members
            )
        else:
            n_threads = plan.components[config["family"]].n_threads(n_threads, n_rows)
            estimator = plan.build(config, random_state=model_seed, n_jobs=n_threads)
            members = [(best, 1.0)] if best is not None else []
            if deadline is not None:
                _bound_training_time(estimator, deadline, self.time_budget)
        t0 = time.monotonic()
        with _limit_threads(n_threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if isinstance(estimator, StackedEnsembleClassifier | StackedEnsembleRegressor):
                estimator.fit_from_oof(X, y, [t.oof for t, _ in members])
                members = _stacking_weights(estimator, members)
            else:
                estimator.fit(X, y)
        self.refit_time_ = time.monotonic() - t0
        self.refit_n_threads_ = n_threads
        self.n_samples_fit_ = n_rows
        self.best_estimator_ = estimator
        self.ensemble_members_ = [t.trial_id for t, _ in members]
        self.ensemble_weights_ = np.array([w for _, w in members], dtype=float)
        self.leaderboard_ = history.leaderboard(
            weights={t.trial_id: w for t, w in members}
        )
        if deadline is not None and time.monotonic() > deadline + 1:
            logger.warning(
                "fit ran %.1fs past time_budget=%ss.", time.monotonic() - deadline,
                self.time_budget,
            )

    # ------------------------------------------------------------- ensemble
    def _choose_members(self, history, best, y, splits, deadline):
        """(trial, weight) pairs of the ensemble, or [] for the best single model.

        Candidates are full-fidelity trials that kept their out-of-fold
        predictions (lower fidelities are different models). Members that
        cannot be refit before ``deadline`` are dropped, lowest weight first.
        """
        self.ensemble_score_ = math.nan
        if not self.ensemble_size or best is None:
            return []
        cands = sorted(
            (t for t in history.successful if t.fidelity == 1 and t.oof is not None),
            key=lambda t: (-t.mean_score, t.trial_id),
        )
        if len(cands) < 2:
            return []
        classes = getattr(self, "classes_", None)
        if self.ensemble == "stacking":
            members, seen = [], set()
            for t in cands:  # the best of each family: diverse members
                if t.family not in seen and len(members) < self.ensemble_size:
                    seen.add(t.family)
                    members.append((t, 1.0 / len(cands)))
        else:
            try:
                counts, trajectory = ensemble_selection(
                    [t.oof for t in cands], y, self.scorer_,
                    ensemble_size=self.ensemble_size, classes=classes,
                )
            except Exception as exc:  # noqa: BLE001 - fall back to the best model
                logger.warning(
                    "Ensemble selection failed (%s); keeping the best single model.", exc
                )
                return []
            self.ensemble_score_ = float(np.max(trajectory))
            members = [(t, int(c)) for t, c in zip(cands, counts, strict=True) if c > 0]
            members.sort(key=lambda m: -m[1])
        if len(members) < 2:
            return []
        if deadline is not None:
            train_frac = float(np.mean([len(tr) for tr, _ in splits])) / len(y)
            left = deadline - time.monotonic()
            kept = list(members)
            while len(kept) > 1 and sum(
                _refit_seconds(t, train_frac) for t, _ in kept
            ) > left:
                kept.pop()  # the lowest weight
            if len(kept) < len(members):
                logger.info(
                    "Refitting all %d ensemble members would overrun time_budget; "
                    "keeping the %d with the highest weights.", len(members), len(kept),
                )
                members = kept
            if len(members) < 2:
                return []
        total = float(sum(w for _, w in members))
        return [(t, w / total) for t, w in members]

    def _ensemble_estimator(self, plan, members, model_seed, n_threads, n_rows, splits):
        """The unfitted ensemble of ``members`` (plain scikit-learn estimators)."""
        estimators = []
        for t, _ in members:
            threads = plan.components[t.family].n_threads(n_threads, n_rows)
            pipe = plan.build(t.config, random_state=model_seed, n_jobs=threads)
            estimators.append((f"trial_{t.trial_id}", pipe))
        if self.ensemble == "stacking":
            cls = (StackedEnsembleClassifier if self._task == "classification"
                   else StackedEnsembleRegressor)
            cv = self._splitter if self._splitter is not None else len(splits)
            return cls(estimators, cv=cv)
        weights = [float(w) for _, w in members]
        if self._task == "classification":
            return VotingClassifier(estimators, voting="soft", weights=weights)
        return VotingRegressor(estimators, weights=weights)

    @staticmethod
    def _fallback_config(plan):
        name = "linear" if "linear" in plan.components else next(iter(plan.components))
        return plan.space.default({"family": name})

    # -------------------------------------------------------------- predict
    def _check_predict_input(self, X):
        check_is_fitted(self, "best_estimator_")
        if getattr(self, "input_shape_", None) is not None:
            return validate_data(self, X, reset=False, dtype="numeric", allow_nd=True)
        if hasattr(self, "feature_names_in_"):
            if not isinstance(X, pd.DataFrame):
                raise TypeError(
                    f"{type(self).__name__} was fitted on a DataFrame with columns "
                    f"{list(self.feature_names_in_)}; pass a DataFrame with those "
                    f"columns, got {type(X).__name__}."
                )
            validate_data(self, X, reset=False, skip_check_array=True)
            _check_frame(X)
            return X
        if isinstance(X, pd.DataFrame) and not _is_numeric_frame(X):
            validate_data(self, X, reset=False, skip_check_array=True)
            return X
        return validate_data(
            self, X, reset=False, dtype="numeric", ensure_all_finite="allow-nan"
        )

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
        X = self._check_predict_input(X)
        return self.best_estimator_.predict(X)

    def export_code(self, path=None, *, overwrite=False):
        """Python source that rebuilds ``best_estimator_`` without this library.

        The module defines ``build_model()`` (the unfitted estimator with every
        hyperparameter as found), ``fit_model(X, y)`` (fits it under the same
        thread limit as the refit, so predictions match ``best_estimator_``
        bit for bit) and a command line to fit on and predict CSV files.
        Read more in :ref:`export`.

        Parameters
        ----------
        path : str or path-like, optional
            A file to write (or a directory: ``model.py`` and
            ``requirements.txt`` are written inside it).
        overwrite : bool, default=False
            Replace existing files; otherwise an existing file is an error.

        Returns
        -------
        source : str
            The generated module.
        """
        from ._codegen import export_code

        check_is_fitted(self, "best_estimator_")
        if getattr(self, "input_shape_", None) is not None:
            raise ValueError(
                "export_code writes tabular models (CSV in, predictions out); a "
                "search on images cannot be exported yet. Pickle best_estimator_ "
                "(joblib.dump) instead."
            )
        return export_code(self, path, overwrite=overwrite)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.non_deterministic = False
        return tags


def _is_dask_client(obj):
    return type(obj).__name__ == "Client" and hasattr(obj, "scatter")


class _ReplayMismatch(Exception):
    """A replayed scheduler proposed another job than the checkpoint logged."""


def _checkpoint_seed(path, random_state):
    """The int seed of a checkpointed search (``None`` without checkpoint).

    A resumed search must draw the same folds, model seeds and proposals:
    an int ``random_state`` is used as is; otherwise the seed stored in an
    existing checkpoint, or a new one drawn from ``random_state``.
    """
    if path is None:
        return None
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    stored = Checkpoint.stored_seed(path)
    if stored is not None:
        return stored
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _refit_seconds(trial, train_frac):
    """Predicted seconds to refit ``trial`` on all rows (safety factor included)."""
    per_fold = trial.fit_time / max(len(trial.scores), 1) / max(trial.fidelity, 1e-3)
    return _REFIT_SAFETY * per_fold / max(train_frac, 1e-3)


def _bound_training_time(estimator, deadline, time_budget):
    """Cap models that take a training time limit (the networks' ``max_time``).

    The refit is predicted from the trials' costs and reserved in the budget,
    but the fallback after a search in which no trial finished has no
    prediction: a default network on a slow machine could then train far past
    the budget. Whatever is left (at least a tenth of the budget) is its limit.
    """
    params = estimator.get_params()
    keys = [k for k in params if k == "max_time" or k.endswith("__max_time")]
    if not keys:
        return
    left = max(deadline - time.monotonic(), 0.1 * time_budget, 1.0)
    estimator.set_params(**{
        k: left if params[k] is None else min(params[k], left) for k in keys
    })


def _stacking_weights(stack, members):
    """Each member's share of the meta-learner's absolute coefficients."""
    coef = getattr(stack.final_estimator_, "coef_", None)
    if coef is None:
        return members
    coef = np.abs(np.atleast_2d(coef))
    per = coef.shape[1] // len(members)
    if per * len(members) != coef.shape[1]:  # passthrough features: no clean split
        return members
    share = coef.reshape(coef.shape[0], len(members), per).sum(axis=(0, 2))
    share = share / share.sum() if share.sum() > 0 else np.full(len(members), 1 / len(members))
    return [(t, float(w)) for (t, _), w in zip(members, share, strict=True)]


def _check_frame(X):
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X is empty (shape {X.shape}); at least one row and one column are "
            "needed."
        )
    dup = X.columns[X.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"X has duplicated column names: {dup}; names must be unique.")
    for name, col in X.items():
        if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        ):
            values = col.to_numpy(dtype=float, na_value=np.nan)
            if np.isinf(values).any():
                raise ValueError(
                    f"Column {name!r} contains infinity; replace it with a finite "
                    "value or NaN (missing)."
                )
            if np.iscomplexobj(values):
                raise ValueError(f"Column {name!r}: complex data not supported.")


def _ndim(X):
    """Dimensions of array-like ``X`` without converting array-likes to arrays."""
    if hasattr(X, "ndim"):
        return X.ndim
    if isinstance(X, (list, tuple)):
        try:
            return np.asarray(X).ndim
        except ValueError:  # ragged
            return None
    return None


def _is_numeric_frame(X):
    return all(
        pd.api.types.is_numeric_dtype(d) and not isinstance(d, pd.CategoricalDtype)
        for d in X.dtypes
    )


def _as_1d(y, name):
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


class AutoMLClassifier(ClassifierMixin, BaseAutoML):
    """Search classification pipelines within a time budget.

    Each candidate is a scikit-learn ``Pipeline`` (featurizer + model) drawn
    from a space of model families and their hyperparameters, scored by
    cross-validation; the best one is refit on all the data.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    time_budget : float or None, default=60.0
        Wall-clock seconds for the whole ``fit``, refit included. ``None``:
        stop on ``max_trials`` only.
    max_trials : int or None, default=None
        Maximum number of configurations evaluated (proposals skipped
        because they would overrun ``time_budget`` do not count).
    scoring : str, callable or None, default=None
        A scikit-learn scorer name (``"accuracy"``, ``"f1_macro"``...) or a
        callable ``scorer(estimator, X, y)`` as made by
        :func:`sklearn.metrics.make_scorer`; higher is better. ``None``:
        ``"roc_auc"`` for binary and ``"neg_log_loss"`` for multiclass targets.
    cv : int, float, cross-validation splitter or None, default=None
        int: (stratified) k-fold; float in (0, 1): one (stratified) holdout of
        that fraction; a splitter or iterable of splits: used as is. ``None``:
        5 folds below 20,000 rows, a 20% holdout above.
    search : {"random", "grid", "bayesian", "evolutionary"} or Searcher, \
            default="random"
        The search strategy (see :ref:`searchers`); a
        :class:`~sklearn_automl.search.Searcher` may be passed (its
        ``space``, ``initial_configs`` and ``random_state`` are filled in
        when left ``None``).
    schedule : {"successive_halving", "hyperband", "asha"}, scheduler or \
            None, default=None
        How much budget (fidelity) each configuration gets: ``None`` runs
        every configuration on all the data; the multi-fidelity schedules
        start configurations on a fraction of each fold's training rows
        (and of the trees / boosting rounds of iterative models) and
        promote the best ``1/eta`` to higher fidelities (see
        :ref:`searchers`). Scheduler objects from
        :mod:`sklearn_automl.search` are cloned; their ``searcher`` is the
        one of ``search`` when left ``None``. The best model is chosen
        among the trials at the highest fidelity reached.
    initial_configs : "portfolio", list of dict or None, default="portfolio"
        The first configurations of the search. ``"portfolio"``: the first
        family's defaults, then the configurations of the shipped portfolio
        (strong and complementary over many datasets), ordered by how well
        they did on datasets with similar meta-features and projected onto
        this search's space (see :ref:`portfolio`), then the defaults of
        families it lacks. ``None``:
        each family's defaults. A list: these configurations
        (``{"family": "lightgbm", "lightgbm__num_leaves": 63}``; missing
        parameters take their defaults). A :class:`Searcher` given with its
        own ``initial_configs`` keeps them.
    ensemble_size : int, default=25
        Steps of greedy ensemble selection over the trials' out-of-fold
        predictions (see :ref:`ensembles`); the members (refit on all data,
        within the time budget) form ``best_estimator_``. For
        ``ensemble="stacking"``, the most members. ``0``: the best single
        pipeline.
    ensemble : {"selection", "stacking"}, default="selection"
        ``"selection"``: a weighted average of the members' probabilities
        (``VotingClassifier(voting="soft", weights=...)``), weights found by
        greedy selection with replacement optimizing ``scoring``.
        ``"stacking"``: a logistic-regression meta-learner on the
        out-of-fold log-odds of the best pipeline of each family
        (:class:`~sklearn_automl.ensemble.StackedEnsembleClassifier`).
    max_oof_memory : float, default=256
        Megabytes of out-of-fold predictions (float32) kept for the
        ensemble: those of the best trials (at most 32); the rest are
        dropped as soon as they can no longer be candidates.
    estimators : list or None, default=None
        Model families to search: built-in names (``"lightgbm"``,
        ``"linear"``, ``"hist_gradient_boosting"``, ``"random_forest"``,
        ``"extra_trees"``, ``"knn"``) and/or custom entries
        ``(name, unfitted_estimator, space)`` where ``space`` maps the
        estimator's parameter names to :class:`~sklearn_automl.space.Float`,
        :class:`~sklearn_automl.space.Int` or
        :class:`~sklearn_automl.space.Categorical` (``{}`` searches none).
        ``None``: every built-in family that fits the data size. With the
        ``nas`` extra (torch and skorch) the built-in families include
        ``"mlp_net"``, a skorch-trained multilayer perceptron
        (:class:`~sklearn_automl.nas.MLPNetClassifier`); without it that
        family is left out with one logged notice.
    input_shape : tuple of int or None, default=None
        ``(H, W)`` or ``(C, H, W)`` of each row of a flat X of images. X of
        shape (N, H, W) or (N, C, H, W), or a flat X with ``input_shape``, is
        searched as images, with the cell-based CNN space only (family
        ``"cnn_net"``, see :class:`~sklearn_automl.nas.CNNNetClassifier`;
        needs the ``nas`` extra) and one 20 % holdout when ``cv`` is None.
    n_jobs : int or None, default=None
        Trials run in parallel, each in a worker process with
        ``cores // n_jobs`` threads (at least 1), so trials x threads never
        oversubscribe the cores; ``-1``: one trial per core. ``None``: one
        trial at a time, in this process, on one thread (bit-for-bit
        reproducible). See :ref:`parallel`.
    executor : {"sequential", "processes"}, dask Client, DaskExecutor or \
            None, default=None
        Where trials run. ``None``: on a ``dask.distributed`` cluster when
        ``joblib.parallel_config(backend="dask")`` is active, else in
        worker processes when ``n_jobs > 1`` or ``trial_memory_limit`` is
        set, else in this process. ``"processes"``: worker processes even
        for ``n_jobs=None`` (one worker), which isolates crashes. A
        ``distributed.Client`` or :class:`DaskExecutor` runs them on that
        cluster (data scattered once, results streamed back); a pickled
        estimator drops the connection (``executor`` is ``None`` once loaded).
    trial_timeout : float, "auto" or None, default="auto"
        Wall-clock seconds one trial may run; past it the trial is stopped,
        or its worker process killed (then replaced), and it is recorded as
        ``"timeout"``. ``"auto"``: a quarter of ``time_budget`` (none
        without a budget). Every trial also stops at the budget's end.
    trial_memory_limit : float or None, default=None
        Megabytes a trial may allocate on top of what its worker holds; a
        trial over it is stopped (``MemoryError`` under an address-space
        limit, or killed by a watchdog on its resident memory) and recorded
        as ``"memory"``. Runs trials in worker processes (Linux).
    checkpoint : str, path-like or None, default=None
        A folder where every finished trial is logged (``trials.jsonl``,
        flushed and fsync-ed, plus an atomically replaced ``summary.json``).
        A search fitted again with the same folder, the same data and
        search space resumes: logged trials are replayed, not re-run (they
        have no out-of-fold predictions). See :ref:`checkpoint`.
    callbacks : list of callable or None, default=None
        Each is called as ``callback(result)`` with the
        :class:`TrialResult` of every finished trial; returning ``True``
        (or raising :class:`StopSearch`) stops the search.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the searcher and the models. With an int, a
        ``max_trials`` budget and ``time_budget=None`` the search is
        reproducible.
    verbose : int, default=0
        1: a progress bar on stderr (trials, best score, budget left; needs
        ``tqdm``) and summary messages; 2: a line per trial instead of the
        bar. Messages go through the ``"sklearn_automl"`` logger.

    Attributes
    ----------
    best_estimator_ : Pipeline, VotingClassifier or StackedEnsembleClassifier
        The model ``predict`` uses, refit on all of ``X``: the ensemble of
        pipelines when one was built (``ensemble_size > 0`` and at least two
        members chosen), else the best pipeline.
    best_params_ : dict
        The best trial's searched parameters as ``set_params`` arguments of
        its pipeline (``"model__<param>"``).
    best_config_ : dict
        The searcher's configuration of the best trial.
    best_family_ : str
        The model family of ``best_estimator_``.
    best_score_ : float
        Its mean cross-validated score (NaN for an unvalidated fallback).
    column_kinds_ : dict
        How each input column was treated, keyed by name (DataFrames) or
        position: ``"numeric"``, ``"boolean"``, ``"categorical"``,
        ``"high_cardinality"``, ``"datetime"``, ``"text"``, ``"id"`` or
        ``"constant"`` (the last two are left out of the features). Empty
        for images.
    input_shape_ : tuple of int or None
        ``(channels, height, width)`` of image input; None for tables.
    best_index_ : int or None
        Index of the best trial in ``cv_results_``.
    cv_results_ : dict of ndarray
        One entry per trial, as in :class:`~sklearn.model_selection.GridSearchCV`,
        plus ``"family"`` and ``"status"``.
    leaderboard_ : pandas.DataFrame
        One row per trial, best first: rank, trial_id, family, fidelity,
        mean_score, std_score, weight (its share of ``best_estimator_``),
        fit_time, predict_time, status, error, params.
    ensemble_members_ : list of int
        ``trial_id`` of each pipeline in ``best_estimator_`` (one entry for a
        single pipeline, none for an unvalidated fallback).
    ensemble_weights_ : ndarray of shape (n_members,)
        Their weights, summing to 1 (for stacking: each member's share of
        the meta-learner's absolute coefficients).
    ensemble_score_ : float
        The selected ensemble's score on the pooled out-of-fold predictions
        (NaN without greedy selection).
    history_ : History
        The :class:`TrialResult` of every trial (``history_.trials``),
        out-of-fold predictions included for the best ones.
    n_trials_ : int
        Trials evaluated. Proposals skipped because they were predicted to
        overrun the time budget are kept in ``history_`` (status
        ``"skipped"``) but not counted.
    refit_time_ : float
        Seconds spent refitting the best pipeline.
    refit_n_threads_ : int
        Threads the refit ran with (``export_code`` reproduces it).
    n_samples_fit_ : int
        Rows of the training data.
    search_time_ : float
        Seconds of the whole ``fit``.
    searcher_time_ : float
        Seconds the searcher and scheduler spent proposing configurations
        and taking in results (their overhead, part of ``search_time_``).
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Folds per trial.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit`` (DataFrame input with string names).

    See Also
    --------
    AutoMLRegressor : The same search for regression.
    sklearn.model_selection.HalvingRandomSearchCV : Search over one estimator.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_automl import AutoMLClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = AutoMLClassifier(max_trials=3, time_budget=None, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    _task = "classification"

    def _default_scoring(self):
        return "roc_auc" if len(self.classes_) == 2 else "neg_log_loss"

    def _validate_y(self, y):
        y = _as_1d(y, type(self).__name__)
        if pd.isna(pd.Series(y, dtype=object)).any():
            raise ValueError(
                "y contains missing values (NaN/None); drop those rows or fill "
                "them before fitting."
            )
        kind = type_of_target(y)
        if kind in ("continuous", "continuous-multioutput"):
            raise ValueError(
                f"Unknown label type: {kind}. AutoMLClassifier needs class labels; "
                "use AutoMLRegressor for a continuous target."
            )
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"y has only one class ({classes[0]!r}); classification needs at "
                "least 2 classes."
            )
        self.classes_ = classes
        return y

    @available_if(lambda self: hasattr(self.best_estimator_, "predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the refit best pipeline.

        Parameters
        ----------
        X : {array-like, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        X = self._check_predict_input(X)
        return self.best_estimator_.predict_proba(X)

class AutoMLRegressor(RegressorMixin, BaseAutoML):
    """Search regression pipelines within a time budget.

    The same search as :class:`AutoMLClassifier` for a continuous target.
    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    time_budget : float or None, default=60.0
        Wall-clock seconds for the whole ``fit``, refit included.
    max_trials : int or None, default=None
        Maximum number of configurations evaluated (proposals skipped
        because they would overrun ``time_budget`` do not count).
    scoring : str, callable or None, default=None
        A scikit-learn scorer name or callable; ``None`` means
        ``"neg_root_mean_squared_error"``.
    cv : int, float, cross-validation splitter or None, default=None
        As in :class:`AutoMLClassifier` (k-fold without stratification).
    search : {"random", "grid", "bayesian", "evolutionary"} or Searcher, \
            default="random"
        The search strategy.
    schedule : {"successive_halving", "hyperband", "asha"}, scheduler or \
            None, default=None
        Multi-fidelity schedule (see :class:`AutoMLClassifier`).
    initial_configs : "portfolio", list of dict or None, default="portfolio"
        The first configurations of the search (see
        :class:`AutoMLClassifier`).
    ensemble_size : int, default=25
        Steps of greedy ensemble selection (``0``: the best single pipeline).
    ensemble : {"selection", "stacking"}, default="selection"
        ``"selection"``: ``VotingRegressor(weights=...)`` with weights from
        greedy selection; ``"stacking"``: a ridge meta-learner
        (:class:`~sklearn_automl.ensemble.StackedEnsembleRegressor`).
    max_oof_memory : float, default=256
        Megabytes of out-of-fold predictions kept for the ensemble.
    estimators : list or None, default=None
        Built-in family names (``"lightgbm"``, ``"linear"`` (ridge),
        ``"hist_gradient_boosting"``, ``"random_forest"``, ``"extra_trees"``,
        ``"knn"``, with the ``nas`` extra ``"mlp_net"``) and/or
        ``(name, unfitted_estimator, space)`` tuples.
    input_shape : tuple of int or None, default=None
        Image input (see :class:`AutoMLClassifier`).
    n_jobs : int or None, default=None
        Trials in parallel (worker processes); ``None``: one at a time in
        this process. As in :class:`AutoMLClassifier`.
    executor : {"sequential", "processes"}, dask Client, DaskExecutor or \
            None, default=None
        Where trials run (see :class:`AutoMLClassifier`).
    trial_timeout : float, "auto" or None, default="auto"
        Seconds one trial may run (``"auto"``: a quarter of the budget).
    trial_memory_limit : float or None, default=None
        Megabytes a trial may allocate.
    checkpoint : str, path-like or None, default=None
        Folder of the trial log a restarted search resumes from.
    callbacks : list of callable or None, default=None
        Called with each :class:`TrialResult`; ``True`` stops the search.
    random_state : int, RandomState instance or None, default=None
        Seeds folds, searcher and models.
    verbose : int, default=0
        1: a progress bar; 2: a log line per trial (``"sklearn_automl"``
        logger).

    Attributes
    ----------
    best_estimator_ : Pipeline, VotingRegressor or StackedEnsembleRegressor
        The model ``predict`` uses, refit on all of ``X`` (the ensemble when
        one was built).
    best_params_ : dict
        The best trial's searched parameters as ``set_params`` arguments.
    best_config_ : dict
        The searcher's configuration of the best trial.
    best_family_ : str
        The model family of ``best_estimator_``.
    best_score_ : float
        Its mean cross-validated score.
    column_kinds_ : dict
        How each input column was treated, keyed by name or position.
    best_index_ : int or None
        Index of the best trial in ``cv_results_``.
    cv_results_ : dict of ndarray
        One entry per trial, GridSearchCV-style.
    leaderboard_ : pandas.DataFrame
        One row per trial, best first, with each trial's ``weight`` in
        ``best_estimator_``.
    ensemble_members_ : list of int
        ``trial_id`` of each pipeline in ``best_estimator_``.
    ensemble_weights_ : ndarray of shape (n_members,)
        Their weights, summing to 1.
    ensemble_score_ : float
        The ensemble's pooled out-of-fold score (NaN without selection).
    history_ : History
        Every :class:`TrialResult`.
    n_trials_ : int
        Trials evaluated. Proposals skipped because they were predicted to
        overrun the time budget are kept in ``history_`` (status
        ``"skipped"``) but not counted.
    refit_time_ : float
        Seconds spent refitting the best pipeline.
    refit_n_threads_ : int
        Threads the refit ran with (``export_code`` reproduces it).
    n_samples_fit_ : int
        Rows of the training data.
    search_time_ : float
        Seconds of the whole ``fit``.
    searcher_time_ : float
        Seconds the searcher and scheduler spent proposing configurations
        and taking in results (their overhead, part of ``search_time_``).
    scorer_ : callable
        The scorer used.
    n_splits_ : int
        Folds per trial.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names seen during ``fit``.

    See Also
    --------
    AutoMLClassifier : The same search for classification.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn_automl import AutoMLRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = AutoMLRegressor(max_trials=2, time_budget=None, random_state=0)
    >>> reg.fit(X, y).best_family_  # the portfolio's first choice for such data
    'linear'
    """

    _task = "regression"

    def _default_scoring(self):
        return "neg_root_mean_squared_error"

    def _validate_y(self, y):
        y = _as_1d(y, type(self).__name__)
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                "y must be numeric for AutoMLRegressor; use AutoMLClassifier for "
                "class labels."
            ) from None
        if np.isnan(y).any():
            raise ValueError(
                "y contains missing values (NaN); drop those rows or fill them "
                "before fitting."
            )
        if np.isinf(y).any():
            raise ValueError("y contains infinity; the target must be finite.")
        return y
