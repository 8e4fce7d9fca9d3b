"""The search loop: proposals -> trials on an executor -> history.

One loop serves every estimator that searches (the AutoML estimators and
the NAS estimators), as ``BaseSearchCV.fit`` hands one
``evaluate_candidates`` to every ``_run_search``. The loop asks the
scheduler for jobs, turns each into an ``evaluate`` task, keeps the
executor's workers busy, reports results back to the scheduler, the
history, the checkpoint, the callbacks and the progress bar, and stops when
the :class:`~sklearn_automl._budget.Budget` says so, at ``max_trials``, when
the space is exhausted or when a callback asks. With
``family_allocation="cost"`` a :class:`~sklearn_automl._allocation.FamilyAllocator`
chooses the family of each new configuration, and the scheduler (through
it the searcher) proposes within it.
"""

from __future__ import annotations

import inspect
import logging
import math
import warnings

import numpy as np

from ._allocation import FamilyAllocator
from ._budget import SEARCHER_SHARE, refit_seconds
from ._checkpoint import Checkpoint
from ._history import History, TrialResult
from ._progress import Progress, run_callbacks
from .search import SearchExhausted
from .space import config_key

__all__ = ["SearchLoop"]

logger = logging.getLogger("sklearn_automl")


class SearchLoop:
    """Run one search over a started executor.

    Parameters
    ----------
    plan : Plan
        Builds a pipeline for a configuration; knows each family's threads
        and fidelity knobs.
    scheduler : scheduler
        ``next_job()`` / ``report(job, score)`` (wrapping the searcher).
    executor : executor
        Started (see :mod:`sklearn_automl._execution`); not closed here.
    budget : Budget
        The fit's clock.
    n_rows, n_splits : int
        Rows of the training data; folds per trial.
    train_frac : float
        Mean share of the rows a fold trains on.
    max_trials : int or None
    trial_timeout : float or None
        Seconds one trial may run.
    timeout_after_success : bool
        Apply ``trial_timeout`` only once a trial has succeeded (the
        ``"auto"`` timeout: the first trials may use the search's time),
        except to the families that stop early: they stop in time as well
        and end with a model that can be scored.
    n_threads : int
        Threads per trial (before each family's own limit).
    model_seed : int
        ``random_state`` of every pipeline.
    max_oof_trials : int
        Trials whose out-of-fold predictions are kept (0: none).
    ensemble : bool
        Whether the refit reserve covers ensemble members.
    refit_workers : int or None
        Refits that will run at once (for the reserve); ``None``: the
        executor's workers, read when needed (a Dask executor knows them
        only once started).
    checkpoint : Checkpoint or None
    callbacks : list of callable or None
    verbose : int
    objectives : Objectives or None
        What each result tells the scheduler and searcher
        (:meth:`Objectives.told <sklearn_automl._objectives.Objectives.told>`:
        infeasible trials as failures, the objective values to a
        multi-objective searcher); ``None``: the score.
    family_allocation : {"uniform", "cost"}
        ``"uniform"``: the searcher chooses the family like any parameter.
        ``"cost"``: a :class:`FamilyAllocator` chooses it (costs in seconds
        under a time budget, in trials without one), the searcher proposes
        within it (``next_job(fixed={"family": ...})``).

    Attributes
    ----------
    history : History
    searcher_time : float
        Seconds spent in the scheduler and searcher.
    interrupted : bool
        Whether a KeyboardInterrupt ended the search (the executor is then
        closed: its running trials were stopped).
    allocator : FamilyAllocator or None
        Set by :meth:`run` with ``family_allocation="cost"`` and at least
        two families.
    """

    def __init__(self, plan, scheduler, executor, budget, *, n_rows, n_splits,
                 train_frac, max_trials=None, trial_timeout=None,
                 timeout_after_success=False, n_threads=1,
                 model_seed=0, max_oof_trials=0, ensemble=False, refit_workers=1,
                 checkpoint=None, callbacks=None, verbose=0, objectives=None,
                 family_allocation="uniform"):
        self.plan = plan
        self.scheduler = scheduler
        self.executor = executor
        self.budget = budget
        self.n_rows = n_rows
        self.n_splits = n_splits
        self.train_frac = train_frac
        self.max_trials = max_trials
        self.trial_timeout = trial_timeout
        self.timeout_after_success = timeout_after_success
        self.n_threads = n_threads
        self.model_seed = model_seed
        self.ensemble = ensemble
        self.refit_workers = refit_workers
        self.checkpoint = checkpoint
        self.callbacks = callbacks
        self.verbose = verbose
        self.objectives = objectives
        self.family_allocation = family_allocation
        self.allocator = None
        self.history = History(max_oof_trials=max_oof_trials)
        self.searcher_time = 0.0
        self.interrupted = False
        self.costs = {}  # family -> (fit s per fold at fidelity 1, predict s per fold)

    # ----------------------------------------------------------------- run
    def run(self):
        """Search until a stop condition; the :class:`History`."""
        history, executor, budget = self.history, self.executor, self.budget
        running = {}  # trial_id -> (Job, results received when it was issued)
        trial_id, rerun = 0, []
        self.allocator = self._make_allocator()
        if self.checkpoint is not None:
            trial_id, rerun = self._replay()
        progress = Progress(
            self.verbose == 1, time_budget=budget.time_budget,
            max_trials=self.max_trials, start=budget.start,
        )
        progress.update(None, history, history.n_evaluated)
        stopping = halted = completed = False
        search_start = budget.now()
        try:
            while True:
                while not stopping and executor.n_running < executor.n_workers:
                    search_deadline = budget.search_deadline(self.reserve())
                    if self._out_of_time(search_deadline):
                        stopping = True
                        break
                    if rerun:
                        tid, job = rerun.pop(0)
                    else:
                        if (self.max_trials is not None
                                and history.n_evaluated + len(running) >= self.max_trials):
                            stopping = True
                            break
                        try:
                            job = self._next_job(search_start, search_deadline)
                        except SearchExhausted:
                            logger.info(
                                "The search space is exhausted after %d trials.",
                                trial_id,
                            )
                            stopping = True
                            break
                        if job is None:  # waiting for running trials (promotions)
                            break
                        tid = trial_id
                        trial_id += 1
                    task = self._trial_task(job, tid, search_deadline)
                    if isinstance(task, TrialResult):  # skipped: predicted too slow
                        halted = self._record(task, job, len(history), progress)
                        if halted:
                            break
                        continue
                    running[tid] = (job, len(history))
                    executor.submit(task)
                if halted or executor.n_running == 0:
                    break
                for result in executor.collect():
                    job, issued_after = running.pop(result.trial_id)
                    self._update_costs(result)
                    if self._record(result, job, issued_after, progress):
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
                stacklevel=5,
            )
            self.interrupted = True
            executor.close()
        finally:
            progress.close()
            if self.checkpoint is not None:
                self.checkpoint.write_summary(history, finished=completed)
                self.checkpoint.close()
        return history

    def _next_job(self, search_start, search_deadline=None):
        """The scheduler's next job, asking for cheap proposals when the
        searcher's own time passes its share of the search's wall clock."""
        searcher = getattr(self.scheduler, "searcher", None)
        if self.budget.bounded and hasattr(searcher, "cheap_proposals"):
            elapsed = self.budget.now() - search_start
            searcher.cheap_proposals = self.searcher_time > SEARCHER_SHARE * elapsed
        t0 = self.budget.now()
        try:
            return self._propose(self._too_slow(search_deadline))
        finally:
            self.searcher_time += self.budget.now() - t0

    # --------------------------------------------------------- allocation
    def _make_allocator(self):
        """A FamilyAllocator for ``family_allocation="cost"`` (None otherwise).

        Families are explored in the order of the searcher's first
        configurations (the portfolio's ranking), then the plan's.
        """
        families = list(self.plan.components)
        if self.family_allocation != "cost" or len(families) < 2:
            return None
        searcher = getattr(self.scheduler, "searcher", None)
        if not _takes_fixed(self.scheduler.next_job) or (
            searcher is not None and not _takes_fixed(searcher.ask)
        ):
            warnings.warn(
                "family_allocation='cost' needs a scheduler whose next_job and a "
                "searcher whose ask take fixed= (those of sklearn_automl.search "
                f"do); {type(self.scheduler).__name__} or its searcher does not, "
                "so the family is chosen by the searcher "
                "(family_allocation='uniform').",
                UserWarning,
                stacklevel=4,
            )
            return None
        first = [c.get("family") for c in
                 (getattr(searcher, "initial_configs", None) or [])
                 if isinstance(c, dict)]
        order = [f for f in dict.fromkeys(first) if f in self.plan.components]
        order += [f for f in families if f not in order]
        return FamilyAllocator(
            order, unit="seconds" if self.budget.bounded else "trials",
            random_state=self.model_seed,
        )

    def _propose(self, exclude=()):
        """The next job: within the allocator's family, if there is one."""
        allocator = self.allocator
        if allocator is None:
            return self.scheduler.next_job()
        while True:
            family = allocator.choose(exclude)
            if family is None:  # every family exhausted: promotions, or the end
                job = self.scheduler.next_job()
                break
            try:
                job = self.scheduler.next_job(fixed={"family": family})
            except SearchExhausted:
                job = None
            if job is not None:
                break
            allocator.exhausted(family)  # nothing new left in it
        if job is not None:
            allocator.issued(job.config["family"])
        return job

    def _too_slow(self, search_deadline):
        """Families whose measured cost overruns the search's time left."""
        if self.allocator is None or search_deadline is None or not self.budget.bounded:
            return ()
        left = self.budget.left(search_deadline)
        low = min(getattr(self.scheduler, "fidelities_", [1.0]))
        folds = self.plan.n_folds_at(low, self.n_splits)
        return {f for f, (fit, predict) in self.costs.items()
                if folds * (fit * low + predict) > left}

    # ------------------------------------------------------------- budget
    def refit_candidates(self):
        """Full-fidelity trials with out-of-fold predictions, best first."""
        return sorted(
            (t for t in self.history.successful if t.oof is not None and t.fidelity == 1),
            key=lambda t: (-t.mean_score, t.trial_id),
        )

    def reserve(self):
        """Seconds the search leaves for selection and refits (see Budget)."""
        best = self.history.best()
        if not self.budget.bounded:
            return 0.0
        if best is None:
            return self.budget.refit_reserve([])
        seconds = [refit_seconds(best, self.train_frac)]
        if self.ensemble:
            seconds += [refit_seconds(t, self.train_frac)
                        for t in self.refit_candidates() if t is not best]
        return self.budget.refit_reserve(
            seconds, n_workers=self.refit_workers or self.executor.n_workers or 1,
            ensemble=self.ensemble
        )

    def _out_of_time(self, search_deadline):
        """No time left, or no family fits at the lowest fidelity.

        While some family has not been tried yet its cost is unknown, so the
        search goes on.
        """
        if not self.budget.bounded:
            return False
        left = self.budget.left(search_deadline)
        if left <= 0:
            return True
        if len(self.costs) < len(self.plan.components):
            return False
        low = min(getattr(self.scheduler, "fidelities_", [1.0]))
        folds = self.plan.n_folds_at(low, self.n_splits)
        return min(
            folds * (fit * low + predict) for fit, predict in self.costs.values()
        ) > left

    def _trial_task(self, job, trial_id, search_deadline):
        """``evaluate`` keyword arguments for ``job``, or a skipped TrialResult."""
        plan, config = self.plan, job.config
        family = config["family"]
        params = plan.model_params(config)
        n_folds = plan.n_folds_at(job.fidelity, self.n_splits)
        cost = self.costs.get(family)
        if self.budget.bounded and cost is not None and (
            self.budget.now() + n_folds * (cost[0] * job.fidelity + cost[1])
            > search_deadline
        ):
            return TrialResult(
                trial_id, config, family, params, "skipped",
                error="predicted to overrun the time budget", fidelity=job.fidelity,
            )
        rows, iterations = plan.fidelity_split(config, job.fidelity)
        threads = plan.components[family].n_threads(self.n_threads, self.n_rows)
        pipeline = plan.build(
            config, random_state=self.model_seed, n_jobs=threads,
            iteration_fraction=iterations,
        )
        stopping = getattr(plan.components[family], "early_stopping", None)
        timeout = self.trial_timeout
        if self.timeout_after_success and not self.history.successful and (
                stopping is None):
            # the first trials may use the search's time (Budget); not those
            # that stop early: they stop in time too, with a model to score
            timeout = None
        deadline = self.budget.trial_deadline(search_deadline, timeout)
        task = {
            "estimator": pipeline, "trial_id": trial_id, "config": config,
            "family": family, "params": params, "deadline": deadline,
            "n_threads": threads, "row_fraction": rows, "fidelity": job.fidelity,
            "max_folds": n_folds,
        }
        if stopping is not None:  # each fold stops on its validation rows
            task["early_stopping"] = stopping
        return task

    def _update_costs(self, result):
        """Learn a family's cost per fold: fit scaled to fidelity 1, predict as is."""
        fidelity = max(result.fidelity, 1e-3)
        if result.scores.size:
            k = len(result.scores)
            self.costs[result.family] = (
                result.fit_time / k / fidelity, result.predict_time / k
            )
        else:  # failed, or stopped inside its first fold: a lower bound
            scale = self.n_splits if result.status == "timeout" else 1
            self.costs[result.family] = (
                result.duration * scale / self.n_splits / fidelity, 0.0
            )

    def _record(self, result, job, issued_after, progress):
        """Report a finished trial everywhere; whether a callback stops the search."""
        t0 = self.budget.now()
        self._tell(job, result)
        self.searcher_time += self.budget.now() - t0
        history = self.history
        history.append(result)
        if self.checkpoint is not None:
            self.checkpoint.append(result, issued_after)
            self.checkpoint.write_summary(history)
        self._log_trial(result)
        progress.update(result, history, history.n_evaluated)
        return run_callbacks(self.callbacks, result)

    def _tell(self, job, result):
        """Report ``result`` to the scheduler and the allocator."""
        score = self._report(job, result)
        if self.allocator is not None and result.status != "skipped":
            self.allocator.observe(result.family, config_key(job.config), score,
                                   result.duration)

    def _report(self, job, result):
        """Tell the scheduler (and through it the searcher) how ``job`` did;
        the score told."""
        if self.objectives is None:
            score = result.mean_score if result.ok else None
            self.scheduler.report(job, score)
            return score
        score, values = self.objectives.told(result)
        if values is not None and _takes_objectives(self.scheduler):
            self.scheduler.report(job, score, objectives=values)
        else:
            self.scheduler.report(job, score)
        return score

    def _log_trial(self, result):
        if self.verbose < 2:
            return
        best = self.history.best()
        logger.info(
            "trial %d %-22s f=%.3f %-8s score=%.5f best=%.5f (%.2fs)%s",
            result.trial_id, result.family, result.fidelity, result.status,
            result.mean_score,
            best.mean_score if best else math.nan, result.duration,
            f" {result.error}" if result.error else "",
        )

    # --------------------------------------------------------- checkpoint
    def _replay(self):
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
        checkpoint, scheduler, history = self.checkpoint, self.scheduler, self.history
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
                    job = self._propose()
                    logged = by_id.get(next_id)
                    if job is None or (logged is not None and (
                        config_key(job.config) != config_key(logged.config)
                        or not math.isclose(job.fidelity, logged.fidelity)
                    )):
                        raise _ReplayMismatch(next_id)
                    jobs[next_id] = job
                    next_id += 1
                self._tell(jobs.pop(res.trial_id), res)
                history.append(res)
                self._update_costs(res)
        except (_ReplayMismatch, SearchExhausted) as exc:
            warnings.warn(
                f"The checkpoint's trials could not be replayed into the searcher "
                f"from trial {exc} on (its proposals differ from the logged ones); "
                "the logged trials are kept in the history, and the search goes on "
                "from there without learning from them.",
                UserWarning,
                stacklevel=5,
            )
            done = {t.trial_id for t in history.trials}
            searcher = getattr(scheduler, "searcher", None)
            for res in results:
                if res.trial_id not in done:
                    history.append(res)
                    self._update_costs(res)
                    if searcher is not None and hasattr(searcher, "seen_"):
                        searcher.seen_.add(config_key(res.config))
            return max(by_id) + 1, []
        logger.info(
            "Resumed from checkpoint %r: %d finished trials replayed, %d to run again.",
            checkpoint.path, len(results), len(jobs),
        )
        return next_id, sorted(jobs.items())


def _takes_fixed(method):
    """Whether ``method`` (``next_job``, ``ask``) accepts ``fixed=`` (ours do)."""
    try:
        return "fixed" in inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False


def _takes_objectives(scheduler):
    """Whether ``scheduler.report`` accepts ``objectives=`` (ours do)."""
    try:
        return "objectives" in inspect.signature(scheduler.report).parameters
    except (TypeError, ValueError):
        return False


class _ReplayMismatch(Exception):
    """A replayed scheduler proposed another job than the checkpoint logged."""
