"""Trial results and the search history (leaderboard, cv_results_)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["History", "TrialResult"]

#: trial statuses
STATUSES = ("ok", "failed", "timeout", "skipped", "memory", "crashed")


@dataclass
class TrialResult:
    """The outcome of evaluating one configuration.

    Attributes
    ----------
    trial_id : int
        Position in the search, from 0.
    config : dict
        The searcher's configuration (``"family"`` and ``"<family>__<param>"``).
    family : str
        Model family.
    params : dict
        The same configuration as ``set_params`` arguments of the pipeline
        (``"model__<param>"``).
    status : {"ok", "failed", "timeout", "skipped", "memory", "crashed"}
        ``"failed"``: the estimator raised; ``"timeout"``: stopped by the
        budget or ``trial_timeout`` (killed if it did not stop);
        ``"skipped"``: not run (predicted to overrun the budget);
        ``"memory"``: ran out of memory or over ``trial_memory_limit``;
        ``"crashed"``: its worker process died (segfault, ``os._exit``,
        a signal).
    scores : ndarray of shape (n_folds,)
        Validation score per fold, higher is better (sklearn's sign).
    mean_score, std_score : float
        NaN unless ``status == "ok"``.
    fit_time, predict_time : float
        Seconds, summed over folds (predict includes scoring).
    oof : ndarray or None
        Out-of-fold predictions (float32): probabilities of shape
        (n_samples, n_classes) for classifiers, values of shape (n_samples,)
        for regressors; NaN for rows no fold predicted. Dropped (``None``)
        once the trial can no longer enter the top candidates.
    error : str or None
        ``"ExceptionType: message"`` of a failed trial.
    n_resources : float
        Fraction of each fold's training rows used (1.0 at full fidelity).
    fidelity : float
        The scheduler's fidelity in ``(0, 1]`` (rows and, for iterative
        models, iterations; 1.0 is the full model).
    duration : float
        Wall-clock seconds of the whole evaluation, overhead included.
    estimator : estimator or None
        The pipeline fitted on all rows, for a refit task
        (``evaluate(..., refit=True)``); ``None`` for a trial.
    finished_at : float
        Seconds from the start of the search to when the result was
        recorded in the :class:`History` (NaN before that). For display
        only (the search history plot's time axis); trials replayed from a
        checkpoint carry the time they were replayed.
    profile : dict
        The model's hardware profile where one was measured: every trial of
        an AutoML search measures its last fold's model on the validation
        rows (``predict_latency_s_per_row`` at ``latency_batch_size``,
        ``predict_latency_s_per_row_batch1``, ``peak_memory_mb``,
        ``model_size_bytes``, ``profile_time_s``; networks add ``n_params``
        and ``flops``; see :mod:`sklearn_automl._profile`); the NAS
        estimators' networks (``device`` as well); empty otherwise. Each
        entry is a column of the leaderboard and of ``cv_results``.
    iterations : list of int
        For a family that stops early
        (:class:`~sklearn_automl.space.EarlyStopping`): the best iteration
        count each fold found on its validation rows; empty otherwise.
    refit_params : dict
        ``set_params`` arguments of the pipeline that the refit on all rows
        adds to :attr:`params`: for a family that stops early, its
        iteration parameter at the count scaled from :attr:`iterations`
        (``{"model__n_estimators": 240}``); empty otherwise.
    """

    trial_id: int
    config: dict
    family: str
    params: dict
    status: str
    scores: np.ndarray = field(default_factory=lambda: np.empty(0))
    mean_score: float = math.nan
    std_score: float = math.nan
    fit_time: float = 0.0
    predict_time: float = 0.0
    oof: np.ndarray | None = None
    error: str | None = None
    n_resources: float = 1.0
    fidelity: float = 1.0
    duration: float = 0.0
    estimator: object = None
    finished_at: float = math.nan
    profile: dict = field(default_factory=dict)
    iterations: list = field(default_factory=list)
    refit_params: dict = field(default_factory=dict)

    @property
    def ok(self):
        return self.status == "ok" and np.isfinite(self.mean_score)

    @property
    def final_params(self):
        """:attr:`params` with :attr:`refit_params`: the refit pipeline's arguments."""
        return {**self.params, **self.refit_params}


class History:
    """All trials of a search, in order, with bounded out-of-fold storage.

    Parameters
    ----------
    max_oof_trials : int or None
        Keep out-of-fold predictions for at most this many of the best
        successful trials; ``None`` keeps all.

    Attributes
    ----------
    trials : list of TrialResult
    n_evaluated : int
        Trials that ran (every status but ``"skipped"``).
    """

    def __init__(self, max_oof_trials=None):
        self.max_oof_trials = max_oof_trials
        self.trials = []
        self.n_evaluated = 0
        # when the search started, for each result's finished_at (display only)
        self._start = time.perf_counter()

    def __len__(self):
        return len(self.trials)

    def append(self, result):
        if math.isnan(result.finished_at):
            result.finished_at = time.perf_counter() - self._start
        self.trials.append(result)
        if result.status != "skipped":
            self.n_evaluated += 1
        if self.max_oof_trials is not None and result.oof is not None:
            kept = [t for t in self.trials if t.oof is not None]
            if len(kept) > self.max_oof_trials:
                worst = min(kept, key=lambda t: (t.fidelity, t.mean_score, -t.trial_id))
                worst.oof = None

    @property
    def successful(self):
        return [t for t in self.trials if t.ok]

    def best(self):
        """The best successful trial at the highest fidelity reached.

        Scores at a lower fidelity come from models trained on less data, so
        they only compete among themselves; ties go to the earliest trial.
        """
        ok = self.successful
        if not ok:
            return None
        top = max(t.fidelity for t in ok)
        return max(
            (t for t in ok if t.fidelity == top), key=lambda t: (t.mean_score, -t.trial_id)
        )

    def ranks(self):
        """Rank per trial (1 = :meth:`best`, failed trials last).

        Like ``GridSearchCV``'s ``rank_test_score``, except that trials at a
        higher fidelity rank before every trial at a lower one.
        """
        n = len(self.trials)
        ok = np.array([t.ok for t in self.trials], dtype=bool)
        fid = np.array([t.fidelity if t.ok else -np.inf for t in self.trials])
        means = np.array([t.mean_score if t.ok else -np.inf for t in self.trials])
        order = np.lexsort((np.arange(n), -means, -fid, ~ok))
        ranks = np.empty(n, dtype=np.int32)
        ranks[order] = np.arange(1, n + 1)
        return ranks

    def cv_results(self):
        """A ``GridSearchCV``-style dict of arrays, one entry per trial.

        ``params`` (and the ``param_*`` columns) are each trial's
        :attr:`TrialResult.final_params`: its searched parameters with its
        ``refit_params`` (the iteration count of a family that stops early).
        """
        n = len(self.trials)
        n_folds = max((len(t.scores) for t in self.trials), default=0)
        res = {
            "trial_id": np.array([t.trial_id for t in self.trials], dtype=np.int64),
            "family": np.array([t.family for t in self.trials], dtype=object),
            "status": np.array([t.status for t in self.trials], dtype=object),
            "mean_fit_time": np.array(
                [t.fit_time / max(len(t.scores), 1) for t in self.trials]
            ),
            "mean_score_time": np.array(
                [t.predict_time / max(len(t.scores), 1) for t in self.trials]
            ),
            "n_resources": np.array([t.n_resources for t in self.trials]),
            "fidelity": np.array([t.fidelity for t in self.trials]),
            "params": [t.final_params for t in self.trials],
        }
        for key in dict.fromkeys(k for t in self.trials for k in t.profile):
            values = [t.profile.get(key, math.nan) for t in self.trials]
            numeric = all(isinstance(v, (int, float, np.number)) for v in values)
            res[key] = np.array(values, dtype=float if numeric else object)
        params = [t.final_params for t in self.trials]
        names = sorted({k for p in params for k in p})
        for name in names:
            col = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
            for i, p in enumerate(params):
                if name in p:
                    col[i] = p[name]
            res[f"param_{name}"] = col
        for k in range(n_folds):
            res[f"split{k}_test_score"] = np.array(
                [t.scores[k] if k < len(t.scores) else np.nan for t in self.trials]
            )
        res["mean_test_score"] = np.array([t.mean_score for t in self.trials])
        res["std_test_score"] = np.array([t.std_score for t in self.trials])
        res["rank_test_score"] = self.ranks()
        return res

    def leaderboard(self, weights=None):
        """A DataFrame of all trials, best first.

        Parameters
        ----------
        weights : dict of int -> float, optional
            Weight of each trial (by ``trial_id``) in the final model, shown
            in the ``"weight"`` column (0 for trials not in it).

        Trials with a hardware profile (:attr:`TrialResult.profile`) add
        one column per profile entry, before ``"status"`` (missing: NaN).
        """
        weights = weights or {}
        profile_cols = list(dict.fromkeys(k for t in self.trials for k in t.profile))
        cols = [
            "rank", "trial_id", "family", "fidelity", "mean_score", "std_score",
            "weight", "fit_time",
            "predict_time", *profile_cols, "status", "error", "params",
        ]
        if not self.trials:
            return pd.DataFrame(columns=cols)
        ranks = self.ranks()
        rows = [
            {
                "rank": int(r),
                "trial_id": t.trial_id,
                "family": t.family,
                "fidelity": t.fidelity,
                "mean_score": t.mean_score,
                "std_score": t.std_score,
                "weight": float(weights.get(t.trial_id, 0.0)),
                "fit_time": t.fit_time,
                "predict_time": t.predict_time,
                **{k: t.profile.get(k, math.nan) for k in profile_cols},
                "status": t.status,
                "error": t.error,
                "params": t.final_params,
            }
            for r, t in zip(ranks, self.trials)
        ]
        return (
            pd.DataFrame(rows, columns=cols)
            .sort_values(["rank", "trial_id"])
            .reset_index(drop=True)
        )
