"""The text report of a fitted search: what a user reads first after ``fit``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .._history import STATUSES
from ._base import check_search, score_name, trial_table
from ._model_plots import ensemble_table

__all__ = ["FitSummary", "fit_summary"]

_PHASES = ("validate", "plan", "metafeatures", "search", "selection", "refit", "close")


class FitSummary:
    """What a fitted search did, as tables and as text.

    ``str(summary)`` (or ``print(summary)``) is the report; the attributes
    hold the same numbers as pandas objects. Build it with
    :func:`fit_summary` or the estimators' ``summary()``; read more in
    :ref:`inspection`.

    Parameters
    ----------
    estimator_name : str
    score_name : str
    time_budget : float or None
    phase_times : Series
        Seconds per phase (validate, plan, metafeatures, search,
        selection, refit, close) and in total.
    trials : DataFrame
        Trials per family (rows, plus ``"all"``) and status (columns, plus
        ``"total"``).
    families : DataFrame
        Per family: its best score at the highest fidelity reached, that
        trial's id, and its mean fit time per trial.
    ensemble : DataFrame
        The members of the final model: ``trial_id``, ``family``,
        ``weight``, ``mean_score``.
    ensemble_score : float
        The ensemble's out-of-fold score (NaN for a single model).
    best : dict
        ``family``, ``trial_id`` and ``score`` of the best trial (``None``
        values when no trial succeeded).
    column_kinds : Series
        How many input columns are of each kind (numeric, categorical,
        datetime, text, ...); empty for the NAS estimators, which do not
        type their input.
    n_features : int or None
        Input columns (``n_features_in_``).
    validation : str or None
        How the trials were validated (the search's ``validation_``: ``"5-fold
        stratified"``, ``"holdout 20 % stratified"``, ...); ``None`` when the
        search does not record it.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_automl import AutoMLClassifier
    >>> X, y = load_iris(return_X_y=True, as_frame=True)
    >>> clf = AutoMLClassifier(time_budget=None, max_trials=3,
    ...                        estimators=["linear", "knn"], random_state=0).fit(X, y)
    >>> summary = clf.summary()
    >>> int(summary.trials.loc["all", "total"])
    3
    >>> print(str(summary).splitlines()[0])
    AutoMLClassifier: 3 trials (3 ok), scoring neg_log_loss (higher is better)
    """

    def __init__(self, *, estimator_name, score_name, time_budget, phase_times, trials,
                 families, ensemble, ensemble_score, best, column_kinds,
                 n_features=None, validation=None):
        self.estimator_name = estimator_name
        self.score_name = score_name
        self.time_budget = time_budget
        self.phase_times = phase_times
        self.trials = trials
        self.families = families
        self.ensemble = ensemble
        self.ensemble_score = ensemble_score
        self.best = best
        self.column_kinds = column_kinds
        self.n_features = n_features
        self.validation = validation

    def to_text(self):
        """The report, as printed by ``print(summary)`` and the CLI's ``fit``.

        Returns
        -------
        text : str
        """
        counts = self.trials.loc["all"]
        statuses = ", ".join(
            f"{int(counts[s])} {s}" for s in self.trials.columns
            if s != "total" and counts[s]
        )
        lines = [(f"{self.estimator_name}: {int(counts['total'])} trials ({statuses}), "
                  f"scoring {self.score_name} (higher is better)")]
        best = self.best
        if best["family"] is None:
            lines.append("best: no trial succeeded (a fallback baseline was fitted)")
        else:
            lines.append(f"best: {best['family']} (trial {best['trial_id']}), "
                         f"cross-validated {best['score']:.5f}")
        if self.validation:
            lines.append(f"validation: {self.validation}")
        total = self.phase_times.get("total", math.nan)
        budget = ("no time budget" if self.time_budget is None
                  else f"{total / self.time_budget:.0%} of time_budget={self.time_budget:g}s")
        lines += ["", f"Time: {total:.1f}s ({budget})"]
        phases = [f"{p} {self.phase_times[p]:.2f}s" for p in _PHASES
                  if p in self.phase_times.index]
        lines.append("  " + ", ".join(phases))
        lines += ["", "Trials per family and status:"]
        lines += _indent(self.trials.reset_index().to_string(index=False))
        lines += ["", "Best per family (highest fidelity):"]
        lines += _indent(self.families.reset_index().to_string(
            index=False, formatters={"best_score": "{:.5f}".format,
                                     "mean_fit_time": "{:.3f}s".format}))
        n = len(self.ensemble)
        head = f"Final model: {n} member{'s' if n != 1 else ''}"
        if np.isfinite(self.ensemble_score):
            head += f", out-of-fold {self.score_name} {self.ensemble_score:.5f}"
        lines += ["", head + ":"]
        if n:
            lines += _indent(self.ensemble.to_string(
                index=False, formatters={"weight": "{:.3f}".format,
                                         "mean_score": "{:.5f}".format}))
        kinds = ", ".join(f"{k} {int(v)}" for k, v in self.column_kinds.items())
        if kinds:
            lines += ["", f"Input columns ({int(self.column_kinds.sum())}): {kinds}"]
        elif self.n_features is not None:
            lines += ["", f"Input columns ({self.n_features}): not typed by this estimator"]
        return "\n".join(lines)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return self.to_text()


def _indent(text):
    return ["  " + line for line in text.splitlines()]


def fit_summary(estimator):
    """The :class:`FitSummary` of a fitted search.

    Reads ``phase_times_``, ``history_``, ``leaderboard_``,
    ``ensemble_members_``, ``ensemble_weights_`` and ``column_kinds_``.
    The estimators' ``summary()`` method returns the same.

    Parameters
    ----------
    estimator : fitted AutoMLClassifier, AutoMLRegressor, NASClassifier or \
            NASRegressor

    Returns
    -------
    summary : FitSummary
    """
    check_search(estimator)
    t = trial_table(estimator)
    present = [s for s in STATUSES if (t["status"] == s).any()]
    trials = pd.crosstab(t["family"], t["status"]).reindex(columns=present, fill_value=0)
    trials.loc["all"] = trials.sum()
    trials["total"] = trials.sum(axis=1)
    trials.index.name, trials.columns.name = "family", None

    ok = t[t["status"] == "ok"]
    ok = ok[ok["fidelity"] >= ok["fidelity"].max()] if len(ok) else ok
    rows = []
    for family, group in ok.groupby("family", sort=False):
        top = group.sort_values(["mean_score", "trial_id"], ascending=[False, True]).iloc[0]
        rows.append({"family": family, "best_score": top["mean_score"],
                     "best_trial": int(top["trial_id"]),
                     "mean_fit_time": group["fit_time"].mean()})
    families = pd.DataFrame(rows, columns=["family", "best_score", "best_trial",
                                           "mean_fit_time"])
    families = families.sort_values("best_score", ascending=False).set_index("family")

    best = estimator.history_.best()
    kinds = pd.Series(getattr(estimator, "column_kinds_", {}) or {}, dtype=object)
    return FitSummary(
        estimator_name=type(estimator).__name__,
        score_name=score_name(estimator),
        time_budget=getattr(estimator, "time_budget", None),
        phase_times=pd.Series(getattr(estimator, "phase_times_", {}), dtype=float),
        trials=trials,
        families=families,
        ensemble=ensemble_table(estimator),
        ensemble_score=float(getattr(estimator, "ensemble_score_", math.nan)),
        best={"family": None if best is None else best.family,
              "trial_id": None if best is None else best.trial_id,
              "score": math.nan if best is None else best.mean_score},
        column_kinds=kinds.value_counts() if len(kinds) else pd.Series(dtype=int),
        n_features=getattr(estimator, "n_features_in_", None),
        validation=getattr(estimator, "validation_", None),
    )
