"""The one clock of a ``fit``: the deadline and every reservation from it.

A :class:`Budget` is created when ``fit`` starts. Every phase asks it for
its share and returns inside it; nothing else reads the wall clock to make
a decision. The rules, in one place (the user guide repeats them):

- **Whole fit**: ``time_budget`` seconds from the start of ``fit``, every
  phase included. ``None``: no deadline (``max_trials`` stops the search).
- **Search** ends at the deadline minus the *reserve*: the predicted refit
  of the best trial and, when ensembling, of the next best candidates as
  they would run on the executor's workers in parallel (at most
  :data:`ENSEMBLE_RESERVE_SHARE` of the budget beyond the best's), plus the
  selection share. A refit prediction is the trial's fit time per fold,
  scaled to all rows, times :data:`REFIT_SAFETY`. The reserve follows the
  search: it is recomputed before each trial is submitted.
- **A trial** must end by the search deadline as it stands when it is
  submitted, and within ``trial_timeout``; the ``"auto"`` timeout applies
  once some trial has succeeded (before that, the first trials may use all
  the search time: on big data and small budgets a validated model beats a
  stream of timeouts; the families that stop early get it at once, since
  they stop in time with a model to score); a trial
  predicted (from its family's measured cost) to overrun is skipped. While
  no trial has succeeded, :data:`FALLBACK_SHARE` of the budget is kept for
  fitting the fallback baseline.
- **Selection** (greedy ensemble selection) gets :data:`SELECTION_SHARE` of
  the budget (at least :data:`MIN_SELECTION_SECONDS`) and stops there with
  the best ensemble so far.
- **Refit**: whatever is left until the deadline. Members are refit in
  parallel on the executor's workers, each with the deadline; a member not
  back by then is dropped. The best pipeline's refit may run
  :data:`REFIT_GRACE` of the budget and :data:`BEST_REFIT_SLACK` seconds past
  the deadline (inside the promise ``budget * 1.05 + 1``); past that a refit member that came back,
  or failing that the fastest baseline, takes its place.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

__all__ = ["Budget", "bound_training_time", "refit_seconds"]

#: safety factor on a predicted refit time (a refit is stopped only at the
#: deadline, so err on the side of stopping the search early)
REFIT_SAFETY = 1.5
#: most of the budget reserved, beyond the best's refit, for the members
ENSEMBLE_RESERVE_SHARE = 0.25
#: candidates (besides the best) whose refit is reserved when ensembling
ENSEMBLE_RESERVE_TRIALS = 4
#: share of the budget kept, while no trial has succeeded, for fitting the
#: fallback baseline should none succeed
FALLBACK_SHARE = 0.1
#: share of the budget for greedy ensemble selection
SELECTION_SHARE = 0.03
#: the least time selection is given
MIN_SELECTION_SECONDS = 0.5
#: share of the budget the best pipeline's refit may run past the deadline
#: (the rest of the promise's 5 % and one second is for bringing the fitted
#: members back from the workers, which is not bounded by a kill: a forest of
#: tens of thousands of rows took about a second to unpickle under load)
REFIT_GRACE = 0.02
#: seconds beyond the grace share the best pipeline's refit may take (inside
#: the promise's one second)
BEST_REFIT_SLACK = 0.25
#: share of the time left that a model with a training time limit (the
#: networks' ``max_time``) may train in a fit: the rest is for predicting
#: and scoring, so that it stops itself instead of being interrupted
TRAINING_SHARE = 0.85
#: seconds before the deadline at which a member's refit must end (its
#: worker is killed half a second past a deadline)
MEMBER_KILL_MARGIN = 0.5
#: share of the elapsed search time the searcher may spend on its own work
#: (surrogate fits); past it the engine asks for cheap proposals
SEARCHER_SHARE = 0.04


class Budget:
    """The deadline of one ``fit`` and the shares of its phases.

    Parameters
    ----------
    time_budget : float or None
        Seconds for the whole ``fit``; ``None``: no deadline.
    start : float, optional
        ``time.monotonic()`` at the start of ``fit`` (now by default).

    Attributes
    ----------
    phase_times : dict of str -> float
        Seconds spent in each phase so far (see :meth:`phase`).
    """

    def __init__(self, time_budget, *, start=None):
        self.time_budget = None if time_budget is None else float(time_budget)
        self.start = time.monotonic() if start is None else float(start)
        self.deadline = (
            math.inf if self.time_budget is None else self.start + self.time_budget
        )
        self.phase_times = {}

    @property
    def bounded(self):
        """Whether there is a deadline at all."""
        return self.time_budget is not None

    def now(self):
        """The clock every phase reads (``time.monotonic``)."""
        return time.monotonic()

    def elapsed(self):
        """Seconds since the start of ``fit``."""
        return time.monotonic() - self.start

    def left(self, until=None):
        """Seconds until ``until`` (the deadline by default); ``inf`` without one."""
        until = self.deadline if until is None else until
        return until - time.monotonic()

    @contextmanager
    def phase(self, name):
        """Time the block as phase ``name`` (added to :attr:`phase_times`)."""
        t0 = time.monotonic()
        try:
            yield
        finally:
            self.phase_times[name] = (
                self.phase_times.get(name, 0.0) + time.monotonic() - t0
            )

    # ------------------------------------------------------------- reserves
    def selection_seconds(self):
        """Seconds greedy ensemble selection may take (``None``: unbounded)."""
        if not self.bounded:
            return None
        return max(SELECTION_SHARE * self.time_budget, MIN_SELECTION_SECONDS)

    def refit_reserve(self, refit_seconds, *, n_workers=1, ensemble=False):
        """Seconds kept after the search for selection and refits.

        Parameters
        ----------
        refit_seconds : list of float
            Predicted refit seconds (safety factor included) of the best
            trial first, then of the next candidates best first; empty
            while no trial has succeeded.
        n_workers : int, default=1
            Refits running at once.
        ensemble : bool, default=False
            Whether members besides the best are refit (and selected).
        """
        if not self.bounded:
            return 0.0
        if not refit_seconds:  # nothing validated yet: keep the fallback's share
            return FALLBACK_SHARE * self.time_budget
        best = refit_seconds[0]
        if not ensemble:
            return best
        members = refit_seconds[: 1 + ENSEMBLE_RESERVE_TRIALS]
        # the makespan of the refits on n_workers, at least the best's own
        makespan = max(max(members), sum(members) / max(n_workers, 1))
        extra = min(makespan - best, ENSEMBLE_RESERVE_SHARE * self.time_budget)
        return best + max(extra, 0.0) + self.selection_seconds()

    def search_deadline(self, reserve):
        """When the search must stop to leave ``reserve`` seconds."""
        return self.deadline - reserve

    def trial_deadline(self, search_deadline, trial_timeout):
        """The deadline of a trial submitted now (``None``: none)."""
        limit = math.inf if trial_timeout is None else time.monotonic() + trial_timeout
        out = min(search_deadline, limit)
        return None if math.isinf(out) else out

    def refit_deadline(self, *, best=False):
        """Deadline of a member's refit; the best's gets the grace share."""
        if not self.bounded:
            return None
        if best:
            return self.deadline + REFIT_GRACE * self.time_budget + BEST_REFIT_SLACK
        # a worker past its deadline is killed a moment later: end members early
        # enough that the kill, too, falls inside the deadline
        return self.deadline - MEMBER_KILL_MARGIN

    def report(self):
        """Phase -> seconds, with ``"total"`` (a copy)."""
        out = dict(self.phase_times)
        out["total"] = self.elapsed()
        return out


def refit_seconds(trial, train_frac):
    """Predicted seconds to refit ``trial`` on all rows (safety factor included).

    The fit time per fold, scaled to fidelity 1 and to all rows, plus the
    trial's own overhead (its duration beyond fitting and scoring: task
    transport, worker start-up, imports), which a refit on a worker pays
    too.

    Parameters
    ----------
    trial : TrialResult
    train_frac : float
        Mean share of the rows a fold trains on.
    """
    per_fold = trial.fit_time / max(len(trial.scores), 1) / max(trial.fidelity, 1e-3)
    overhead = max(trial.duration - trial.fit_time - trial.predict_time, 0.0)
    return REFIT_SAFETY * (per_fold / max(train_frac, 1e-3) + overhead)


def bound_training_time(estimator, seconds):
    """Cap models that take a training time limit (the networks' ``max_time``).

    A network stops its epochs at ``max_time`` and keeps what it learnt, so
    a fit given ``seconds`` ends inside them (at least one second) and the
    model can still be scored, rather than interrupted with nothing to show.
    """
    params = estimator.get_params()
    keys = [k for k in params if k == "max_time" or k.endswith("__max_time")]
    if not keys or not math.isfinite(seconds):
        return
    left = max(seconds, 1.0)
    estimator.set_params(**{
        k: left if params[k] is None else min(params[k], left) for k in keys
    })
