"""Objectives, constraints and the choice of the final model.

A search optimizes the cross-validated score, and optionally trades it
against measured costs (the trials' ``profile``, see
:mod:`sklearn_automl._profile`):

============== ================================ =====================
objective      column (leaderboard, Pareto front) better
============== ================================ =====================
score          mean_score                       higher
predict_latency predict_latency_s_per_row       lower
model_size     model_size_bytes                 lower
fit_time       mean_fit_time (s per fold)       lower
predict_memory peak_memory_mb                   lower
============== ================================ =====================

Constraints (``max_predict_latency``, ``max_model_size``,
``max_predict_memory``) bound a cost: a trial over one (or whose cost could
not be measured) is *infeasible*: it is recorded with its values, told to
the searcher as a failure and never chosen, neither alone nor in an
ensemble. :class:`Objectives` holds one fit's settings and answers the
engine (what to tell the searcher), the selection (which trials may be
members) and the refit (which trial is the final model; are the refit
ensemble's measured costs within the limits).

Costs are told to multi-objective searchers as ``-log10(cost)`` (every told
value is maximized; the log because latencies and sizes span orders of
magnitude), and the knee and the weighted choice compare costs on the same
log scale.
"""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np
import pandas as pd

from .search._pareto import pareto_mask

__all__ = ["CONSTRAINTS", "OBJECTIVES", "Objectives"]

logger = logging.getLogger("sklearn_automl")

#: objective -> (column, higher is better)
OBJECTIVES = {
    "score": ("mean_score", True),
    "predict_latency": ("predict_latency_s_per_row", False),
    "model_size": ("model_size_bytes", False),
    "fit_time": ("mean_fit_time", False),
    "predict_memory": ("peak_memory_mb", False),
}
#: constraint parameter -> the column it bounds
CONSTRAINTS = {
    "max_predict_latency": "predict_latency_s_per_row",
    "max_model_size": "model_size_bytes",
    "max_predict_memory": "peak_memory_mb",
}
#: measured columns shown in the Pareto front besides the objectives
_COST_COLUMNS = ("predict_latency_s_per_row", "predict_latency_s_per_row_batch1",
                 "model_size_bytes", "peak_memory_mb", "mean_fit_time")
#: costs below this are treated as this on the log scale
_TINY = 1e-12
#: most alternative trials refit when the chosen one is over a limit once refit
_MAX_ALTERNATIVES = 2
#: the named ways to choose the final model
SELECTS = ("best_score", "knee")
#: column -> higher is better
OBJECTIVES_BY_COLUMN = {c: better for c, better in OBJECTIVES.values()}


def trial_value(trial, column):
    """A trial's value of a leaderboard column (NaN when not measured)."""
    if column == "mean_score":
        return float(trial.mean_score)
    if column == "mean_fit_time":
        return float(trial.fit_time) / max(len(trial.scores), 1)
    value = trial.profile.get(column, math.nan)
    return float(value) if isinstance(value, (numbers.Real, np.number)) else math.nan


def _utility(value, column):
    """The value on the maximized scale: the score as is, a cost as -log10."""
    if OBJECTIVES_BY_COLUMN[column]:
        return value
    return -math.log10(max(value, _TINY)) if np.isfinite(value) else math.nan


class Objectives:
    """One fit's objectives, constraints and final-model choice.

    Parameters
    ----------
    objectives : sequence of str
        Names from :data:`OBJECTIVES`.
    select : {"best_score", "knee"}, callable or dict
        How the final model is chosen (see ``BaseAutoML``).
    limits : dict of str -> float
        Constraint parameter -> its limit (``None`` entries are ignored).
    latency_batch_size : int
        Rows of the batched latency measurement.

    Raises
    ------
    ValueError
        On an unknown objective, a duplicate, or a ``select`` that names
        objectives the search does not have; the message names the
        parameter.
    """

    def __init__(self, objectives=("score",), *, select="best_score", limits=None,
                 latency_batch_size=1000):
        if isinstance(objectives, str):
            objectives = (objectives,)
        names = tuple(objectives)
        unknown = [n for n in names if n not in OBJECTIVES]
        if not names or unknown or len(set(names)) != len(names):
            raise ValueError(
                f"objectives={objectives!r} is not valid: give one or more distinct "
                f"names out of {sorted(OBJECTIVES)}"
                + (f" ({unknown} unknown)." if unknown else ".")
            )
        self.names = names
        self.columns = tuple(OBJECTIVES[n][0] for n in names)
        self.limits = {CONSTRAINTS[k]: float(v) for k, v in (limits or {}).items()
                       if v is not None}
        self._limit_names = {CONSTRAINTS[k]: k for k in (limits or {})}
        self.select = _check_select(select, names)
        self.latency_batch_size = int(latency_batch_size)
        self.final_profile = {}
        #: eligible trials, best score first (set by choose): the refit's
        #: alternatives when the chosen model is over a limit once refit
        self.alternatives = []
        self.chosen = None  # the trial choose() returned

    @classmethod
    def from_estimator(cls, est):
        """The settings of an AutoML estimator (defaults where it has none)."""
        return cls(
            getattr(est, "objectives", ("score",)),
            select=getattr(est, "select", "best_score"),
            limits={k: getattr(est, k, None) for k in CONSTRAINTS},
            latency_batch_size=getattr(est, "latency_batch_size", 1000),
        )

    # ------------------------------------------------------------ trials
    @property
    def multi(self):
        """Whether there is more than one objective."""
        return len(self.names) > 1

    @property
    def constrained(self):
        return bool(self.limits)

    def values(self, trial):
        """``{column: value}`` of the objectives for one trial."""
        return {c: trial_value(trial, c) for c in self.columns}

    def violations(self, trial):
        """``{column: (value, limit)}`` of the constraints ``trial`` breaks
        (an unmeasured value breaks its constraint)."""
        out = {}
        for column, limit in self.limits.items():
            value = trial_value(trial, column)
            if not value <= limit:
                out[column] = (value, limit)
        return out

    def feasible(self, trial):
        return not self.violations(trial)

    def told(self, trial):
        """``(score, objective values)`` for the scheduler and the searcher.

        ``score`` is the scalar the schedulers rank by (``None``: failed or
        infeasible); the values (``None`` with one objective) are the
        maximized tuple a multi-objective searcher learns from: with a cost
        that was not measured it holds a NaN, which the searchers take as a
        failure (the schedulers still rank the score).
        """
        if not trial.ok or not self.feasible(trial):
            return None, None
        if not self.multi:
            return trial.mean_score, None
        return trial.mean_score, tuple(
            _utility(trial_value(trial, c), c) for c in self.columns)

    def feasible_candidates(self, candidates):
        """The ensemble candidates that meet the constraints."""
        return [t for t in candidates if self.feasible(t)]

    # ------------------------------------------------------------- front
    def _eligible(self, trials):
        """Successful feasible trials at the highest fidelity among them."""
        ok = [t for t in trials if t.ok and self.feasible(t)]
        if not ok:
            return []
        top = max(t.fidelity for t in ok)
        return [t for t in ok if t.fidelity == top]

    def front(self, trials):
        """The Pareto front: a DataFrame of the non-dominated eligible trials.

        Columns: ``trial_id``, ``family``, the objectives' columns, the other
        measured costs, ``params``; best score first.
        """
        trials = self._eligible(trials)
        extra = [c for c in _COST_COLUMNS if c not in self.columns]
        cols = ["trial_id", "family", *self.columns, *extra, "params"]
        if not trials:
            return pd.DataFrame(columns=cols)
        points = np.array([[_utility(trial_value(t, c), c) for c in self.columns]
                           for t in trials])
        finite = np.isfinite(points).all(axis=1)
        mask = np.zeros(len(trials), dtype=bool)
        mask[finite] = pareto_mask(points[finite])
        rows = [
            {"trial_id": t.trial_id, "family": t.family,
             **{c: trial_value(t, c) for c in (*self.columns, *extra)},
             "params": dict(t.params)}
            for t, keep in zip(trials, mask, strict=True) if keep
        ]
        sort = self.columns[0] if "mean_score" not in self.columns else "mean_score"
        ascending = not OBJECTIVES_BY_COLUMN[sort]
        return (pd.DataFrame(rows, columns=cols)
                .sort_values([sort, "trial_id"], ascending=[ascending, True])
                .reset_index(drop=True))

    def knee_index(self, front, weights=None):
        """Row of ``front`` with the best weighted sum of normalized objectives.

        Each objective is rescaled to ``[0, 1]`` over the front (1 the best;
        costs on the log scale). With equal weights this is the *knee*: the
        point farthest from the plane through the front's normalized
        extremes, where a little more of one objective costs the most of the
        others. Ties go to the earlier row (the better score).
        """
        if len(front) == 0:
            raise ValueError("The Pareto front is empty.")
        u = np.array([[_utility(v, c) for v, c in zip(row, self.columns, strict=True)]
                      for row in front[list(self.columns)].to_numpy(float)])
        low, high = u.min(axis=0), u.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        norm = np.where(high > low, (u - low) / span, 1.0)
        w = np.array([1.0 if weights is None else float(weights.get(n, 0.0))
                      for n in self.names])
        return int(np.argmax(norm @ w))

    # ------------------------------------------------------------ choice
    def choose(self, history):
        self.chosen = self._choose(history)
        return self.chosen

    def _choose(self, history):
        """The trial whose pipeline becomes the final model.

        Returns
        -------
        trial : TrialResult or None
            ``None`` when no trial succeeded (the caller's fallback).

        Raises
        ------
        ValueError
            When trials succeeded but none meets the constraints (the
            message quotes the closest one), or a ``select`` callable
            returns something that is not a trial of the front.
        """
        ok = history.successful
        if not ok:
            return None
        eligible = self._eligible(ok)
        if not eligible:
            raise ValueError(self._infeasible_message(ok))
        self.alternatives = sorted(eligible, key=lambda t: (-t.mean_score, t.trial_id))
        if self.select == "best_score":
            return max(eligible, key=lambda t: (t.mean_score, -t.trial_id))
        front = self.front(eligible)
        by_id = {t.trial_id: t for t in eligible}
        if callable(self.select):
            chosen = self.select(front.copy())
            key = int(chosen) if isinstance(chosen, (numbers.Integral, np.integer)) \
                else None
            if key not in set(front["trial_id"]):
                raise ValueError(
                    f"select returned {chosen!r}; it must return the trial_id of a "
                    f"row of the Pareto front it was given (one of "
                    f"{front['trial_id'].tolist()})."
                )
            return by_id[key]
        weights = None if self.select == "knee" else self.select
        return by_id[int(front["trial_id"].iloc[self.knee_index(front, weights)])]

    def _infeasible_message(self, ok):
        def excess(t):
            return sum(
                value / limit - 1 if np.isfinite(value) and limit > 0 else math.inf
                for value, limit in self.violations(t).values()
            )

        closest = min(ok, key=lambda t: (excess(t), -t.mean_score, t.trial_id))
        broken = ", ".join(
            f"{column}={value:.3g} > {self._limit_names[column]}={limit:.3g}"
            if np.isfinite(value) else f"{column} not measured"
            for column, (value, limit) in self.violations(closest).items()
        )
        limits = ", ".join(f"{self._limit_names[c]}={v!r}" for c, v in self.limits.items())
        return (
            f"No trial meets the constraints ({limits}): {len(ok)} trial(s) "
            f"succeeded, all over a limit. The closest is trial {closest.trial_id} "
            f"({closest.family}, mean_score={closest.mean_score:.4g}): {broken}. "
            "Relax the constraints, search faster model families (estimators=) or "
            "give the search more time."
        )

    # ---------------------------------------------------------- ensemble
    def member_costs(self, members):
        """``{column: summed cost}`` of a list of (trial, weight) members."""
        return {c: float(sum(trial_value(t, c) for t, _ in members))
                for c in self.limits}

    def trim(self, members):
        """Drop members until their summed costs meet the constraints.

        The member dropped first is the one with the most cost on the
        broken constraints per unit of weight; weights are renormalised;
        one member is always kept.
        """
        members = list(members)
        while len(members) > 1:
            broken = {c: limit for c, limit in self.limits.items()
                      if not self.member_costs(members)[c] <= limit}
            if not broken:
                break
            members.pop(_costliest(members, broken))
            total = sum(w for _, w in members)
            members = [(t, w / total) for t, w in members]
        return members

    def limit_refit(self, kept, assemble, rows, refit=None, measure=True):
        """The final model within the limits, measured on the refit models.

        Parameters
        ----------
        kept : list of ((TrialResult, weight), fitted estimator)
            The refit members, best first.
        assemble : callable
            ``assemble(kept) -> (estimator, members)`` builds the final
            model from fitted members (no refit).
        rows : array-like
            Rows to measure it on.
        refit : callable, optional
            ``refit(trial) -> fitted estimator or None``: one more refit of
            an alternative trial, to be the final model alone.
        measure : bool, default=True
            False (no constraint and no time left in the budget): the model
            is assembled, not measured (:attr:`final_profile` stays empty).

        Returns
        -------
        estimator, members
            The assembled model when it measures within the limits.
            Otherwise each refit member is measured alone (a model refit on
            all rows can be larger and slower than its trial's) and members
            are dropped, the most cost on the broken limits per unit of
            weight first, until the measured ensemble meets them; when one
            member is left and still over, the heaviest member that is
            within the limits on its own is the final model; if none is, the
            next feasible trials (best score first, at most
            ``_MAX_ALTERNATIVES``) whose trial costs, scaled by how much the
            refit grew over its trial, fit the limits are refit alone with
            ``refit`` until one measures within them; failing that, the last
            model is kept with a warning. The last measurement is in
            :attr:`final_profile`.
        """
        from ._profile import measure_profile

        measure_final = measure

        def measure(estimator):
            return measure_profile(estimator, rows, batch_size=self.latency_batch_size)

        def broken_by(profile):
            return {c: limit for c, limit in self.limits.items()
                    if not profile.get(c, math.nan) <= limit}

        kept = list(kept)
        estimator, members = assemble(kept)
        if not (measure_final or self.constrained):
            return estimator, members
        self.final_profile = measure(estimator)
        if not broken_by(self.final_profile):
            return estimator, members
        alone = [measure(est) for _, est in kept]  # each refit member's own costs
        left = list(range(len(kept)))
        while True:
            broken = broken_by(self.final_profile)
            if not broken:
                return estimator, members
            if len(left) == 1:
                break
            drop = max(left, key=lambda i: _cost_ratio(alone[i], kept[i][0][1], broken))
            logger.info("The refit ensemble is over %s; dropping trial %d.",
                        sorted(broken), kept[drop][0][0].trial_id)
            left.remove(drop)
            estimator, members = assemble([kept[i] for i in left])
            self.final_profile = measure(estimator)
        fits = [i for i in range(len(kept)) if not broken_by(alone[i])]
        if fits:
            best = max(fits, key=lambda i: (kept[i][0][1], -i))
            estimator, members = assemble([kept[best]])
            self.final_profile = alone[best]
            return estimator, members
        last = kept[left[0]][0][0]
        tried = {m.trial_id for (m, _), _ in kept if m is not None}
        for alt in self._grown_alternatives(last, self.final_profile, tried, refit):
            fitted = refit(alt)
            if fitted is None:
                break
            profile = measure(fitted)
            if not broken_by(profile):
                logger.info("The refit model was over its limits; trial %d, refit "
                            "alone, is within them.", alt.trial_id)
                self.final_profile = profile
                return fitted, [(alt, 1.0)]
        logger.warning(
            "The refit final model is over its limit(s) (%s) although its trial "
            "was within them (refit on all rows, or measurement noise).",
            ", ".join(f"{c}={self.final_profile.get(c):.3g} > {v:.3g}"
                      for c, v in broken_by(self.final_profile).items()),
        )
        return estimator, members


    def _grown_alternatives(self, trial, refit_profile, tried, refit):
        """Feasible trials not yet refit whose costs, grown as ``trial``'s did
        between its trial and its refit, fit the limits (best score first)."""
        if refit is None or trial is None:
            return []
        growth = {c: max(refit_profile.get(c, math.nan) / trial_value(trial, c), 1.0)
                  for c in self.limits}
        if not all(np.isfinite(g) for g in growth.values()):
            return []
        return [t for t in self.alternatives if t.trial_id not in tried and all(
            trial_value(t, c) * growth[c] <= limit for c, limit in self.limits.items()
        )][:_MAX_ALTERNATIVES]


def _cost_ratio(costs, weight, broken):
    """A member's cost on the broken limits (each relative to its limit) per weight."""
    cost = sum(costs.get(c, math.nan) / limit for c, limit in broken.items())
    return (cost if np.isfinite(cost) else math.inf) / max(weight, 1e-12)


def _costliest(members, broken):
    """Index of the member with the most broken-constraint trial cost per weight."""
    return max(range(len(members)), key=lambda i: _cost_ratio(
        {c: trial_value(members[i][0], c) for c in broken}, members[i][1], broken))


def _check_select(select, names):
    if isinstance(select, str):
        if select not in SELECTS:
            raise ValueError(
                f"select={select!r} is not valid: use 'best_score', 'knee', a "
                "callable(pareto_front) -> trial_id, or a dict of objective weights."
            )
        return select
    if callable(select):
        return select
    if isinstance(select, dict):
        bad = [k for k in select if k not in names]
        values = list(select.values())
        if (bad or not values
                or not all(isinstance(v, numbers.Real) and v >= 0 and math.isfinite(v)
                           for v in values) or not sum(values) > 0):
            raise ValueError(
                f"select={select!r} is not valid: weights must be non-negative "
                f"numbers, not all zero, keyed by objectives of this search "
                f"({list(names)})" + (f"; {bad} are not." if bad else ".")
            )
        return dict(select)
    raise ValueError(
        f"select={select!r} is not valid: use 'best_score', 'knee', a "
        "callable(pareto_front) -> trial_id, or a dict of objective weights."
    )
