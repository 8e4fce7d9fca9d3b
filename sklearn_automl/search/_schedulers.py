"""Multi-fidelity schedulers and pruners: which configuration runs at which fidelity.

A scheduler hands out *jobs* ``(config, fidelity)`` and receives their
scores; it gets new configurations from a :class:`Searcher` and knows
nothing about models: a fidelity is a number in ``(0, 1]``, which the
caller maps to a fraction of the training rows or of a model's iterations
(boosting rounds, trees, epochs). ``next_job(fixed=...)`` restricts the
*new* configurations to a sub-space of the searcher's (see
:meth:`Searcher.ask`); promotions of configurations already started are
the scheduler's own choice and come first, as without it.

Each configuration is told to its searcher once, with its first score (the
lowest fidelity it ran at, shared by every configuration of its bracket);
the scores at higher fidelities stay in the scheduler's ``results_``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.base import BaseEstimator

from ..space import config_key
from ._base import SearchExhausted, _as_score

__all__ = [
    "ASHA",
    "FullFidelity",
    "Hyperband",
    "Job",
    "MedianPruner",
    "SuccessiveHalving",
    "ThresholdPruner",
]


@dataclass
class Job:
    """One evaluation to run: a configuration at a fidelity.

    Attributes
    ----------
    id : int
        Unique within its scheduler, in order of issue.
    config : dict
    fidelity : float
        In ``(0, 1]``; 1 means the full training data / iterations.
    rung : int
        Index of the fidelity level (0 is the lowest of the scheduler).
    bracket : int
        The successive-halving bracket (0 for schedulers without brackets).
    """

    id: int
    config: dict = field(repr=False)
    fidelity: float
    rung: int = 0
    bracket: int = 0

    @property
    def key(self):
        """The configuration's :func:`~sklearn_automl.space.config_key`."""
        return config_key(self.config)


# ------------------------------------------------------------------ pruners
class MedianPruner(BaseEstimator):
    """Stop a configuration whose score is below the median at its fidelity.

    Parameters
    ----------
    n_startup : int, default=5
        Results at a fidelity needed before anything there is pruned.

    Examples
    --------
    >>> from sklearn_automl.search import MedianPruner
    >>> p = MedianPruner(n_startup=2)
    >>> [p.report(k, 0.5, s) for k, s in [("a", 0.9), ("b", 0.7), ("c", 0.1)]]
    [False, False, True]
    """

    def __init__(self, *, n_startup=5):
        self.n_startup = n_startup

    def report(self, key, fidelity, score):
        """Record ``score`` of configuration ``key``; whether to stop it.

        Parameters
        ----------
        key : str
            The configuration's key.
        fidelity : float
            Where the score was measured (or any step index).
        score : float or None
            Higher is better; ``None``/NaN (a failure) is always pruned.

        Returns
        -------
        prune : bool
        """
        if not hasattr(self, "scores_"):
            self.scores_ = {}
        others = self.scores_.setdefault(float(fidelity), {})
        score = _as_score(score)
        previous = [s for k, s in others.items() if k != key]
        others[key] = score
        if math.isnan(score):
            return True
        finite = [s for s in previous if not math.isnan(s)]
        return len(previous) >= self.n_startup and score < float(np.median(finite or [-math.inf]))


class ThresholdPruner(BaseEstimator):
    """Stop a configuration whose score falls outside ``[lower, upper]``.

    Parameters
    ----------
    lower, upper : float or None, default=None
        Bounds on the score (``None``: unbounded). Failures are pruned.

    Examples
    --------
    >>> from sklearn_automl.search import ThresholdPruner
    >>> ThresholdPruner(lower=0.6).report("a", 0.1, 0.55)
    True
    """

    def __init__(self, *, lower=None, upper=None):
        self.lower = lower
        self.upper = upper

    def report(self, key, fidelity, score):
        """Whether ``score`` (of ``key`` at ``fidelity``) is out of bounds."""
        score = _as_score(score)
        if math.isnan(score):
            return True
        return (self.lower is not None and score < self.lower) or (
            self.upper is not None and score > self.upper
        )


# --------------------------------------------------------------- schedulers
class _Scheduler(BaseEstimator):
    """State shared by the schedulers: job ids, results, searcher feedback."""

    def __init__(self, searcher=None, *, pruner=None):
        self.searcher = searcher
        self.pruner = pruner

    def next_job(self, fixed=None):
        """The next job to run.

        Parameters
        ----------
        fixed : dict, optional
            Values of top-level parameters every *new* configuration must
            take (passed to :meth:`Searcher.ask`); a promotion of a
            configuration already started is issued first whatever its
            values. ``None``: the whole space.

        Returns
        -------
        job : Job or None
            ``None`` when nothing can start before a running job reports
            (parallel workers only: a sequential loop never sees it).

        Raises
        ------
        SearchExhausted
            When the searcher has no new configuration (in the sub-space of
            ``fixed``) and nothing is running.
        """
        self._ensure_started()
        return self._next(fixed)

    def report(self, job, score, *, objectives=None):
        """Record the score of ``job`` (``None``/NaN: failed).

        Parameters
        ----------
        job : Job
            As returned by :meth:`next_job`.
        score : float or None
            Higher is better; what the scheduler ranks and promotes by.
        objectives : tuple of float, optional
            All objective values of the job, each higher-is-better: told to
            a searcher that supports several objectives
            (:attr:`Searcher.supports_multi_objective`) instead of ``score``.
        """
        self._ensure_started()
        self.pending_.pop(job.id, None)
        score = _as_score(score)
        self.results_.append((job, score))
        key = job.key
        if key not in self._told:
            self._told.add(key)
            told = None if math.isnan(score) else score
            if (told is not None and objectives is not None
                    and getattr(self.searcher, "supports_multi_objective", False)):
                told = tuple(float(v) for v in objectives)
            self.searcher.tell(job.config, told)
        if self.pruner is not None and self.pruner.report(key, job.fidelity, score):
            self.pruned_.add(key)
        self._on_report(job, score)

    def best(self):
        """The best ``(job, score)`` at the highest fidelity reached, or None."""
        done = [(j, s) for j, s in getattr(self, "results_", []) if not math.isnan(s)]
        if not done:
            return None
        top = max(j.fidelity for j, _ in done)
        return max(((j, s) for j, s in done if j.fidelity == top), key=lambda r: r[1])

    def _ensure_started(self):
        if hasattr(self, "results_"):
            return
        if self.searcher is None:
            raise ValueError(
                f"{type(self).__name__} needs a searcher: pass one, e.g. "
                f"{type(self).__name__}(RandomSearch(space))."
            )
        self.results_ = []
        self.pending_ = {}
        self.pruned_ = set()
        self._told = set()
        self._n_jobs = 0
        self._exhausted = False
        self._exhausted_within = set()  # config_key of each exhausted `fixed`
        self._setup()

    def _job(self, config, fidelity, rung=0, bracket=0):
        job = Job(self._n_jobs, config, float(fidelity), rung, bracket)
        self._n_jobs += 1
        self.pending_[job.id] = job
        return job

    def _new_config(self, fixed=None):
        """A new configuration from the searcher (within ``fixed``), or None
        when exhausted (there)."""
        if self._exhausted:
            return None
        if fixed is not None:
            key = config_key(fixed)
            if key in self._exhausted_within:
                return None
            try:
                return self.searcher.ask(fixed=fixed)
            except SearchExhausted:
                self._exhausted_within.add(key)
                return None
        try:
            return self.searcher.ask()
        except SearchExhausted:
            self._exhausted = True
            return None

    def _nothing_left(self):
        if self.pending_:
            return
        raise SearchExhausted("The searcher is exhausted and every job has reported.")

    def _setup(self):
        pass

    def _on_report(self, job, score):
        pass


def _rung_fidelities(min_fidelity, max_fidelity, eta):
    """Fidelities ``max * eta**-k`` down to ``min_fidelity``, lowest first."""
    if not (isinstance(eta, (int, float, np.number)) and eta > 1):
        raise ValueError(f"eta must be a number > 1, got {eta!r}.")
    if not 0 < min_fidelity <= max_fidelity <= 1:
        raise ValueError(
            "Need 0 < min_fidelity <= max_fidelity <= 1, got "
            f"min_fidelity={min_fidelity!r}, max_fidelity={max_fidelity!r}."
        )
    n_rungs = math.floor(math.log(max_fidelity / min_fidelity) / math.log(eta) + 1e-9) + 1
    return [max_fidelity * eta ** (k - n_rungs + 1) for k in range(n_rungs)]


class FullFidelity(_Scheduler):
    """Every configuration at full fidelity: the plain search loop.

    Parameters
    ----------
    searcher : Searcher, optional
        Source of configurations (an AutoML estimator fills in its own when
        ``None``).
    pruner : MedianPruner or ThresholdPruner, optional
        Records the scores (``pruned_``); nothing to stop at one fidelity.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import FullFidelity, RandomSearch
    >>> sched = FullFidelity(RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=0))
    >>> job = sched.next_job()
    >>> job.fidelity
    1.0
    >>> sched.report(job, job.config["x"])
    """

    def _next(self, fixed=None):
        config = self._new_config(fixed)
        return self._nothing_left() if config is None else self._job(config, 1.0)


class _Bracket:
    """One synchronous successive-halving run: rungs filled then halved."""

    def __init__(self, index, fidelities, first_rung, n_configs, eta):
        self.index = index
        self.fidelities = fidelities
        self.first_rung = self.rung = first_rung
        self.n_configs = n_configs
        self.eta = eta
        self.queue = []  # configs to issue at the current rung
        self.n_issued = 0  # configs issued at the first rung
        self.n_pending = 0
        self.scores = {}  # key -> (config, score) at the current rung
        self.done = False

    def next(self, scheduler, fixed=None):
        if self.done:
            return None
        if not self.queue and self.n_issued < self.n_configs and not self.scores_started():
            config = scheduler._new_config(fixed)
            if config is None:
                if not scheduler._exhausted:  # only the sub-space of `fixed` is
                    return None
                self.n_configs = self.n_issued
                self._maybe_promote(scheduler)
                return self.next(scheduler) if self.queue else None
            self.n_issued += 1
            self.queue.append(config)
        if not self.queue:
            return None
        self.n_pending += 1
        return scheduler._job(self.queue.pop(0), self.fidelities[self.rung], self.rung,
                              self.index)

    def scores_started(self):
        return self.rung != self.first_rung

    def report(self, scheduler, job, score):
        self.n_pending -= 1
        self.scores[job.key] = (job.config, score)
        self._maybe_promote(scheduler)

    def _maybe_promote(self, scheduler):
        complete = self.n_pending == 0 and not self.queue and (
            self.scores_started() or self.n_issued == self.n_configs
        )
        if not complete:
            return
        if self.rung == len(self.fidelities) - 1 or not self.scores:
            self.done = True
            return
        n = len(self.scores)
        ranked = sorted(
            ((s, k, c) for k, (c, s) in self.scores.items()
             if not math.isnan(s) and k not in scheduler.pruned_),
            key=lambda t: -t[0],
        )
        top = ranked[: max(1, n // self.eta)]
        if not top:
            self.done = True
            return
        self.rung += 1
        self.scores = {}
        self.queue = [c for _, _, c in top]


class SuccessiveHalving(_Scheduler):
    """Synchronous successive halving, bracket after bracket.

    A bracket evaluates ``n_configs`` new configurations at the lowest
    fidelity, then promotes exactly the best ``n // eta`` of each rung (at
    least one) to the next fidelity, ``eta`` times higher, up to
    ``max_fidelity``. A rung is complete when all its jobs reported; while
    it waits, idle workers start the next bracket.

    Parameters
    ----------
    searcher : Searcher, optional
        Source of configurations (an AutoML estimator fills in its own when
        ``None``).
    min_fidelity : float, default=1/9
        Lowest fidelity (rounded up so that rungs are ``eta`` apart and the
        top one is ``max_fidelity``).
    max_fidelity : float, default=1.0
    eta : float, default=3
        Reduction factor.
    n_configs : int, optional
        Configurations per bracket; ``eta ** (n_rungs - 1)`` by default, so
        that one configuration reaches the top rung.
    pruner : MedianPruner or ThresholdPruner, optional
        Configurations it prunes are never promoted.

    Attributes
    ----------
    fidelities_ : list of float
        The rungs' fidelities, lowest first.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import RandomSearch, SuccessiveHalving
    >>> searcher = RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=0)
    >>> sched = SuccessiveHalving(searcher, min_fidelity=1 / 9, eta=3)
    >>> jobs = []
    >>> for _ in range(13):
    ...     job = sched.next_job()
    ...     sched.report(job, job.config["x"] * job.fidelity)
    ...     jobs.append(round(job.fidelity, 3))
    >>> jobs  # doctest: +NORMALIZE_WHITESPACE
    [0.111, 0.111, 0.111, 0.111, 0.111, 0.111, 0.111, 0.111, 0.111,
     0.333, 0.333, 0.333, 1.0]
    """

    def __init__(self, searcher=None, *, min_fidelity=1 / 9, max_fidelity=1.0, eta=3,
                 n_configs=None, pruner=None):
        super().__init__(searcher, pruner=pruner)
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.eta = eta
        self.n_configs = n_configs

    def _setup(self):
        self.fidelities_ = _rung_fidelities(self.min_fidelity, self.max_fidelity, self.eta)
        self.brackets_ = []
        self.n_brackets_ = 0

    def _bracket_shape(self, index):
        """(first rung, number of configurations) of bracket ``index``."""
        n = self.n_configs or round(self.eta ** (len(self.fidelities_) - 1))
        return 0, n

    def _next(self, fixed=None):
        for bracket in self.brackets_:
            job = bracket.next(self, fixed)
            if job is not None:
                return job
        self.brackets_ = [b for b in self.brackets_ if not b.done]
        # a new bracket, unless the last one still waits for its first
        # configurations (none left within `fixed`)
        waiting = self.brackets_ and self.brackets_[-1].n_issued == 0
        if not self._exhausted and not waiting:
            first, n = self._bracket_shape(self.n_brackets_)
            bracket = _Bracket(self.n_brackets_, self.fidelities_, first, n, self.eta)
            self.n_brackets_ += 1
            self.brackets_.append(bracket)
            job = bracket.next(self, fixed)
            if job is not None:
                return job
        return self._nothing_left()

    def _on_report(self, job, score):
        for bracket in self.brackets_:
            if bracket.index == job.bracket:
                bracket.report(self, job, score)


class Hyperband(SuccessiveHalving):
    """Hyperband: successive-halving brackets trading breadth for fidelity.

    Bracket ``s`` (from ``s_max = n_rungs - 1`` down to 0, then again)
    starts ``ceil((s_max + 1) / (s + 1) * eta ** s)`` configurations at the
    fidelity ``max_fidelity * eta ** -s`` and halves them as
    :class:`SuccessiveHalving` does (Li et al. 2018), which hedges against a
    lowest fidelity too low to rank configurations.

    Parameters
    ----------
    searcher : Searcher, optional
        Source of configurations (an AutoML estimator fills in its own when
        ``None``).
    min_fidelity : float, default=1/9
    max_fidelity : float, default=1.0
    eta : float, default=3
    pruner : MedianPruner or ThresholdPruner, optional

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import Hyperband, RandomSearch
    >>> sched = Hyperband(RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=0))
    >>> firsts = []
    >>> for _ in range(22):
    ...     job = sched.next_job()
    ...     sched.report(job, job.config["x"])
    ...     if job.rung == min(j.rung for j, _ in sched.results_ if j.bracket == job.bracket):
    ...         firsts.append((job.bracket, round(job.fidelity, 3)))
    >>> sorted(set(firsts))
    [(0, 0.111), (1, 0.333), (2, 1.0)]
    """

    def __init__(self, searcher=None, *, min_fidelity=1 / 9, max_fidelity=1.0, eta=3,
                 pruner=None):
        super().__init__(searcher, min_fidelity=min_fidelity, max_fidelity=max_fidelity,
                         eta=eta, pruner=pruner)

    def _bracket_shape(self, index):
        s_max = len(self.fidelities_) - 1
        s = s_max - index % (s_max + 1)
        n = math.ceil((s_max + 1) / (s + 1) * self.eta**s)
        return s_max - s, n


class ASHA(_Scheduler):
    """Asynchronous successive halving (Li et al. 2020), for parallel workers.

    Whenever a worker is free, the scheduler promotes a configuration that
    is in the top ``1 / eta`` of the results of its rung so far (highest
    rung first) and was not promoted from there yet; if there is none, it
    starts a new configuration at the lowest fidelity. Nobody waits for a
    rung to fill, and no configuration is promoted twice.

    Parameters
    ----------
    searcher : Searcher, optional
        Source of configurations (an AutoML estimator fills in its own when
        ``None``).
    min_fidelity : float, default=1/9
    max_fidelity : float, default=1.0
    eta : float, default=3
    pruner : MedianPruner or ThresholdPruner, optional
        Configurations it prunes are never promoted.

    Attributes
    ----------
    fidelities_ : list of float
    promoted_ : list of set
        Per rung, the keys of the configurations promoted from it.

    Examples
    --------
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.search import ASHA, RandomSearch
    >>> sched = ASHA(RandomSearch(SearchSpace({"x": Float(0, 1)}), random_state=0))
    >>> for _ in range(20):
    ...     job = sched.next_job()
    ...     sched.report(job, job.config["x"])
    >>> sorted({round(j.fidelity, 3) for j, _ in sched.results_})
    [0.111, 0.333, 1.0]
    """

    def __init__(self, searcher=None, *, min_fidelity=1 / 9, max_fidelity=1.0, eta=3,
                 pruner=None):
        super().__init__(searcher, pruner=pruner)
        self.min_fidelity = min_fidelity
        self.max_fidelity = max_fidelity
        self.eta = eta

    def _setup(self):
        self.fidelities_ = _rung_fidelities(self.min_fidelity, self.max_fidelity, self.eta)
        self.rungs_ = [{} for _ in self.fidelities_]  # key -> (config, score)
        self.promoted_ = [set() for _ in self.fidelities_]

    def _on_report(self, job, score):
        self.rungs_[job.rung][job.key] = (job.config, score)

    def _next(self, fixed=None):
        for k in range(len(self.fidelities_) - 2, -1, -1):
            rung = self.rungs_[k]
            n_top = len(rung) // self.eta
            ranked = sorted(
                ((s, key, c) for key, (c, s) in rung.items() if not math.isnan(s)),
                key=lambda t: -t[0],
            )[: int(n_top)]
            for _, key, config in ranked:
                if key not in self.promoted_[k] and key not in self.pruned_:
                    self.promoted_[k].add(key)
                    return self._job(config, self.fidelities_[k + 1], k + 1)
        config = self._new_config(fixed)
        if config is None:
            return self._nothing_left()
        return self._job(config, self.fidelities_[0], 0)
