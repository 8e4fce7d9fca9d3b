"""After the search: choose the ensemble, refit it on all rows, in time.

Members are chosen by greedy selection (or the best of each family for
stacking) on the trials' out-of-fold predictions, within the selection
share of the :class:`~sklearn_automl._budget.Budget`. They are then refit on
all rows *in parallel on the executor's workers*, each with a deadline: a
member not back by the deadline is dropped (weights renormalised), never
waited for; the best pipeline alone gets the budget's grace past it. The
fitted members are assembled into the plain scikit-learn estimator
(``VotingClassifier``/``VotingRegressor`` or a stacked ensemble) exactly as
that estimator's own ``fit`` would have fitted them.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import Bunch

from .ensemble import (
    StackedEnsembleClassifier,
    StackedEnsembleRegressor,
    ensemble_selection,
)
from .ensemble._selection import blend_score

__all__ = [
    "choose_feasible_members", "choose_members", "fallback_rows", "fit_fallback",
    "refit_final", "refit_pipeline",
]

logger = logging.getLogger("sklearn_automl")

#: out-of-fold rows above which selection runs on a stratified subsample
SELECTION_MAX_ROWS = 50_000
#: the most rows the fallback baseline is fitted on (its cost stays bounded
#: when not one trial could finish: big data under a small budget)
FALLBACK_MAX_ROWS = 10_000
#: the iteration count of a fallback family that stops early (no trial found
#: one; the libraries' own default number of boosting rounds)
FALLBACK_ITERATIONS = 100


def choose_members(candidates, y, scorer, *, ensemble_size, method, classes,
                   max_time=None, random_state=0):
    """``([(trial, weight)], ensemble_score)``; ``[]`` for the best single model.

    Parameters
    ----------
    candidates : list of TrialResult
        Full-fidelity trials with out-of-fold predictions, best first.
    y : ndarray
    scorer : callable
    ensemble_size : int
        Greedy steps (``"selection"``) or most members (``"stacking"``).
    method : {"selection", "stacking"}
    classes : ndarray or None
    max_time : float or None
        Seconds selection may take; it stops there with the best so far.
    random_state : int
        Seed of the row subsample of very large OOF sets.
    """
    if not ensemble_size or len(candidates) < 2:
        return [], math.nan
    if method == "stacking":
        members, seen = [], set()
        for t in candidates:  # the best of each family: diverse members
            if t.family not in seen and len(members) < ensemble_size:
                seen.add(t.family)
                members.append((t, 1.0 / len(candidates)))
        return (members if len(members) > 1 else []), math.nan
    try:
        counts, trajectory = ensemble_selection(
            [t.oof for t in candidates], y, scorer, ensemble_size=ensemble_size,
            classes=classes, max_rows=SELECTION_MAX_ROWS, max_time=max_time,
            random_state=random_state,
        )
    except Exception as exc:  # noqa: BLE001 - fall back to the best model
        logger.warning(
            "Ensemble selection failed (%s); keeping the best single model.", exc
        )
        return [], math.nan
    if len(trajectory) < ensemble_size:
        logger.info("Ensemble selection stopped at its time share after %d of %d "
                    "steps.", len(trajectory), ensemble_size)
    members = [(t, int(c)) for t, c in zip(candidates, counts, strict=True) if c > 0]
    members.sort(key=lambda m: -m[1])
    if len(members) < 2:
        return [], float(np.max(trajectory))
    return _normalised(members), float(np.max(trajectory))


def choose_feasible_members(candidates, y, scorer, objectives, **selection):
    """:func:`choose_members` among the feasible ``candidates``, trimmed to
    the objectives' limits (the ensemble's cost); ``([], nan)`` for the best
    feasible single model.

    ``selection``: :func:`choose_members`'s keyword arguments.
    """
    feasible = objectives.feasible_candidates(candidates)
    members, score = choose_members(feasible, y, scorer, **selection)
    trimmed = objectives.trim(members)
    if len(trimmed) == len(members):
        return members, score
    # its score was the untrimmed ensemble's; trimming by cost can leave
    # members that add nothing (a constant model that ties under AUC)
    if not _blend_beats_best(trimmed, feasible[0], y, scorer, selection.get("classes")):
        return [], math.nan
    return trimmed, math.nan


def _blend_beats_best(members, best, y, scorer, classes):
    """Whether ``members`` blended score above ``best`` alone on the OOF rows."""
    if len(members) < 2:
        return False
    preds = [t.oof for t, _ in members]
    return blend_score(preds, [w for _, w in members], y, scorer, classes) > \
        blend_score([best.oof, *preds], [1.0] + [0.0] * len(preds), y, scorer, classes)


def _normalised(members):
    total = float(sum(w for _, w in members))
    return [(t, w / total) for t, w in members]


def refit_final(plan, members, best, *, executor, budget, X, y, task,
                model_seed, n_threads, method, splitter, n_splits, objectives=None,
                row_fraction=1.0):
    """Refit the chosen pipelines on all rows; ``(estimator, members, threads)``.

    Parameters
    ----------
    plan : Plan
    members : list of (TrialResult, float)
        The ensemble, highest weight first; ``[]`` for ``best`` alone.
    best : TrialResult
        The best trial. Each pipeline is built from its trial's
        configuration with the trial's ``refit_params`` set (the iteration
        count of a family that stopped early, scaled to all rows).
    executor : executor
        Started with the training data; refits run on its workers.
    budget : Budget
    X, y : training data (for stacking's meta-learner and the label encoder)
    task : {"classification", "regression"}
    model_seed : int
    n_threads : int
        Cores the refits share.
    method : {"selection", "stacking"}
    splitter, n_splits
        The search's splitter (stacking re-uses it in export_code).
    objectives : Objectives, optional
        When given, the final model is measured on (up to
        ``latency_batch_size``) training rows into its ``final_profile``, and
        ensemble members are dropped until the measured ensemble meets its
        constraints (:meth:`Objectives.limit_refit
        <sklearn_automl._objectives.Objectives.limit_refit>`).
    row_fraction : float, default=1.0
        Refit on this share of the rows (a stratified subsample, see
        :func:`~sklearn_automl._splits.refit_fraction`).

    Returns
    -------
    estimator : fitted estimator
    members : list of (TrialResult or None, float)
        The members that were refit (``[(best, 1.0)]`` for a single model).
    n_threads : int
        Threads each refit ran with.
    """
    n_rows = X.shape[0]
    trials = [t for t, _ in members] or [best]
    per_refit = max(1, n_threads // max(1, min(len(trials), executor.n_workers)))
    threads = min(plan.components[t.family].n_threads(per_refit, n_rows)
                  for t in trials)
    # one member (an ensemble trimmed to its limits) is refit as itself
    voting = len(members) > 1 and method == "selection"
    encode = voting and task == "classification"
    tasks = []
    for i, trial in enumerate(trials):
        pipe = refit_pipeline(plan, trial, model_seed, threads)
        deadline = budget.refit_deadline(best=i == 0)
        tasks.append({
            "estimator": pipe, "trial_id": i, "config": trial.config,
            "family": trial.family, "deadline": deadline, "n_threads": threads,
            "refit": True, "encode_labels": encode, "row_fraction": row_fraction,
        })
    fitted = _run_refits(executor, tasks, budget)

    def refit_alone(trial):
        """One more refit, of a trial to use alone (None: no time or it failed)."""
        if budget.bounded and budget.left() <= 0:
            return None
        task = {"estimator": refit_pipeline(plan, trial, model_seed, threads),
                "trial_id": 0, "config": trial.config, "family": trial.family,
                "deadline": budget.refit_deadline(), "n_threads": threads,
                "refit": True, "encode_labels": False, "row_fraction": row_fraction}
        return _run_refits(executor, [task], budget).get(0)

    if 0 not in fitted and fitted:
        logger.warning("The best pipeline's refit did not finish in time; the "
                       "ensemble goes on without it.")
    if not members:
        if 0 not in fitted:
            return None, [], threads
        if objectives is None:
            return fitted[0], [], threads
        # measured; over a limit, maybe replaced by another trial refit alone
        return (*objectives.limit_refit(
            [((objectives.chosen, 1.0), fitted[0])], lambda kept: (kept[0][1], []),
            _measure_rows(X, objectives), refit=refit_alone,
            measure=_time_left(budget)), threads)
    kept = [(m, fitted[i]) for i, m in enumerate(members) if i in fitted]
    unfitted = {f"trial_{m[0].trial_id}": tasks[i]["estimator"]
                for i, m in enumerate(members)}
    if len(kept) < len(members):
        logger.info("%d of %d ensemble members could not be refit within "
                    "time_budget and were dropped.", len(members) - len(kept),
                    len(members))
    if not kept:
        return None, [], threads

    def assemble(kept):
        """The final model from fitted members (no refit)."""
        if len(kept) == 1 and not encode:
            (trial, _), est = kept[0]
            return est, [(trial, 1.0)]
        # a member fitted on encoded labels keeps a (one-member) voting
        # ensemble, which decodes its predictions
        chosen = _normalised([m for m, _ in kept])
        estimators = [(f"trial_{t.trial_id}", est) for (t, _), est in kept]
        if method == "stacking":
            cls = (StackedEnsembleClassifier if task == "classification"
                   else StackedEnsembleRegressor)
            stack = cls([(name, unfitted[name]) for name, _ in estimators],
                        cv=splitter if splitter is not None else n_splits)
            stack.fit_from_oof(X, y, [t.oof for t, _ in chosen],
                               fitted_estimators=[est for _, est in estimators])
            return stack, stacking_weights(stack, chosen)
        weights = [float(w) for _, w in chosen]
        ens = fitted_voting([(name, unfitted[name]) for name, _ in estimators],
                            [est for _, est in estimators], weights, y, task)
        return ens, chosen

    if objectives is None:
        return (*assemble(kept), threads)
    return (*objectives.limit_refit(kept, assemble, _measure_rows(X, objectives),
                                    refit=refit_alone, measure=_time_left(budget)),
            threads)


def refit_pipeline(plan, trial, model_seed, n_threads):
    """The unfitted pipeline that refits ``trial``.

    Its configuration's pipeline with the trial's ``refit_params`` set (see
    :attr:`TrialResult.refit_params <sklearn_automl._history.TrialResult>`):
    an early-stopped iteration count for the refit's rows. A refit on a
    share of the rows has had it scaled to that share already
    (:func:`~sklearn_automl._splits.scale_refit_params`, in place, so that
    the trial, ``best_params_`` and the leaderboard say what was trained).
    """
    pipe = plan.build(trial.config, random_state=model_seed, n_jobs=n_threads)
    return pipe.set_params(**trial.refit_params) if trial.refit_params else pipe


def _time_left(budget):
    """Whether the budget leaves time to measure an unconstrained final model."""
    return not budget.bounded or budget.left() > 0


def _measure_rows(X, objectives):
    """The training rows the final model's costs are measured on."""
    from sklearn.utils import _safe_indexing

    n = min(objectives.latency_batch_size, X.shape[0])
    return _safe_indexing(X, np.arange(n))


def fallback_rows(y, *, task):
    """Rows the fallback baseline is fitted on (see :func:`fit_fallback`)."""
    limit = FALLBACK_MAX_ROWS
    if task == "classification":  # a multinomial fit's cost grows with the classes
        k = len(np.unique(y))
        limit = max(FALLBACK_MAX_ROWS // max(1, k // 2), 20 * k)
    return min(limit, len(y))


def fit_fallback(plan, config, X, y, *, task, model_seed, seconds=None):
    """The fallback baseline, fitted on at most :data:`FALLBACK_MAX_ROWS` rows
    (fewer with many classes: ``FALLBACK_MAX_ROWS / (n_classes // 2)``, at
    least 20 per class).

    Used when no trial finished (or not even the best pipeline could be refit
    in time): a model must come back, and its cost must stay bounded, so it
    is fitted on a row sample (stratified for classification), on one
    thread. With ``seconds`` (a time budget) it is stopped after
    ``seconds / FALLBACK_SHARE`` (about the whole budget once more: it is
    the last resort, and a slow machine should still get a model) and a
    TimeoutError raised (:func:`~sklearn_automl._isolation.fit_bounded`:
    ``SIGALRM`` in the main thread, a killed child process in any other), so
    that a hung fit cannot block ``fit``; without a budget it is fitted
    here, unbounded. A
    network stops at ``seconds``, a family that stops early trains
    :data:`FALLBACK_ITERATIONS` rounds.
    """
    import warnings

    from ._budget import FALLBACK_SHARE, bound_training_time
    from ._evaluate import subsample_rows

    n = X.shape[0]
    pipe = plan.build(config, random_state=model_seed, n_jobs=1)
    stopping = plan.components[config["family"]].early_stopping
    if stopping is not None:  # no validation rows here: a fixed, modest count
        name = f"{pipe.steps[-1][0]}__{stopping.param}"
        pipe.set_params(**{name: min(pipe.get_params()[name], FALLBACK_ITERATIONS)})
    if seconds is not None:
        bound_training_time(pipe, seconds)
    limit = fallback_rows(y, task=task)
    if n > limit:
        rows = subsample_rows(
            np.arange(n), limit / n,
            y=y if task == "classification" else None, seed=model_seed,
        )
        logger.info("The fallback baseline is fitted on %d of %d rows.", len(rows), n)
        X = X.iloc[rows] if hasattr(X, "iloc") else X[rows]
        y = y[rows]
    if seconds is not None:  # stopped when past its time, in any thread
        from ._isolation import KILL_GRACE, fit_bounded

        return fit_bounded(pipe, X, y, seconds=seconds,
                           limit=max(seconds + KILL_GRACE, seconds / FALLBACK_SHARE),
                           what=f"The fallback baseline ({config['family']})")
    with warnings.catch_warnings():  # no time budget: nothing to bound
        warnings.simplefilter("ignore", UserWarning)
        return pipe.fit(X, y)


def _run_refits(executor, tasks, budget):
    """Submit the refit tasks; ``{index: fitted}`` of those back in time."""
    fitted, pending = {}, list(tasks)
    running = 0
    while pending or running:
        while pending and executor.n_running < executor.n_workers:
            task = pending.pop(0)
            if task["trial_id"] != 0 and budget.left() <= 0:
                continue  # no time left to start a member: dropped
            executor.submit(task)
            running += 1
        if not running:
            break
        for result in executor.collect():
            running -= 1
            if result.status == "ok" and result.estimator is not None:
                fitted[result.trial_id] = result.estimator
            else:
                logger.info("Refit of %s: %s after %.1fs (%s).", result.family,
                            result.status, result.duration, result.error)
    return fitted


def fitted_voting(estimators, fitted, weights, y, task):
    """A fitted soft-voting ensemble of members already fitted on all rows.

    Parameters
    ----------
    estimators : list of (str, estimator)
        The unfitted members (the ensemble's ``estimators`` parameter).
    fitted : list of estimator
        The same members fitted as ``VotingClassifier.fit`` fits them (on
        ``y`` label-encoded, see ``evaluate(..., encode_labels=True)``), so
        the ensemble is the one its own ``fit`` would have built.
    weights : list of float
    y : ndarray
    task : {"classification", "regression"}
    """
    if task == "classification":
        ens = VotingClassifier(estimators, voting="soft", weights=weights)
        ens.le_ = LabelEncoder().fit(y)
        ens.classes_ = ens.le_.classes_
    else:
        ens = VotingRegressor(estimators, weights=weights)
    ens.estimators_ = list(fitted)
    ens.named_estimators_ = Bunch(**{n: e for (n, _), e in zip(estimators, fitted,
                                                                strict=True)})
    names = getattr(fitted[0], "feature_names_in_", None)
    if names is not None:
        ens.feature_names_in_ = names
    return ens


def stacking_weights(stack, members):
    """Each member's share of the meta-learner's absolute coefficients."""
    coef = getattr(stack.final_estimator_, "coef_", None)
    if coef is None:
        return members
    coef = np.abs(np.atleast_2d(coef))
    per = coef.shape[1] // len(members)
    if per * len(members) != coef.shape[1]:  # passthrough features: no clean split
        return members
    share = coef.reshape(coef.shape[0], len(members), per).sum(axis=(0, 2))
    share = (share / share.sum() if share.sum() > 0
             else np.full(len(members), 1 / len(members)))
    return [(t, float(w)) for (t, _), w in zip(members, share, strict=True)]
