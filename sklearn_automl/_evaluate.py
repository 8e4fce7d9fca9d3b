"""Evaluate one pipeline by cross-validation: a pure function of its inputs.

It runs the same in this process, a loky worker or a dask worker; whatever
the estimator does (raise, return garbage scores), the outcome is a
:class:`TrialResult`, never an exception.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
import traceback
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ._history import TrialResult

__all__ = ["evaluate", "subsample_rows"]

#: the fewest training rows a low-fidelity fold keeps
_MIN_ROWS = 20


def _limit_threads(n_threads):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn requires threadpoolctl
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=n_threads)


class _TrialTimeout(BaseException):
    """Raised inside a trial when its deadline passes.

    A ``BaseException`` so that estimator code catching ``Exception`` cannot
    swallow it.
    """


@contextlib.contextmanager
def _interrupt_at(deadline):
    """Interrupt the block at ``deadline`` (``time.monotonic()``) with SIGALRM.

    Python delivers the signal between bytecodes, so estimators whose fit is a
    Python loop over C calls (boosting rounds, trees) stop within one step.
    Only possible in the main thread on POSIX; elsewhere the caller's
    between-fold checks are the only limit.
    """
    usable = (
        deadline is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise _TrialTimeout

    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _TrialTimeout
    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, remaining)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _oof_block(est, X_val, classes):
    """Predictions kept for ensembling: aligned class probabilities or values."""
    if classes is None:
        return np.asarray(est.predict(X_val), dtype=np.float32).reshape(-1)
    if not hasattr(est, "predict_proba"):
        return None
    proba = np.asarray(est.predict_proba(X_val), dtype=np.float32)
    fitted = list(getattr(est, "classes_", classes))
    if len(fitted) == len(classes):
        return proba
    # A fold without some class: put its columns where they belong.
    out = np.zeros((proba.shape[0], len(classes)), dtype=np.float32)
    index = {c: i for i, c in enumerate(classes)}
    for j, c in enumerate(fitted):
        out[:, index[c]] = proba[:, j]
    return out


def evaluate(
    estimator,
    X,
    y,
    splits,
    scorer,
    *,
    trial_id=0,
    config=None,
    family="",
    params=None,
    classes=None,
    return_oof=True,
    deadline=None,
    n_threads=None,
    row_fraction=1.0,
    fidelity=1.0,
    subsample_seed=0,
    max_folds=None,
):
    """Cross-validate ``estimator`` on the given splits.

    Parameters
    ----------
    estimator : estimator
        Unfitted; cloned for each fold.
    X, y : array-like or DataFrame
        All training data.
    splits : list of (train_idx, test_idx)
        Precomputed folds (the same for every trial).
    scorer : callable
        ``scorer(estimator, X, y) -> float``, higher is better.
    classes : ndarray, optional
        All class labels (classification); ``None`` for regression.
    return_oof : bool, default=True
        Keep out-of-fold predictions in the result.
    deadline : float, optional
        ``time.monotonic()`` value at which the trial is stopped (between
        folds, and inside a fold where the platform allows it); it is then
        recorded as ``"timeout"``.
    n_threads : int, optional
        Limit of BLAS/OpenMP threads inside the trial.
    row_fraction : float, default=1.0
        Train each fold on this fraction of its training rows (stratified
        for classification, the same rows for every trial with the same
        ``subsample_seed``); validation rows are never subsampled, so scores
        at different fractions are comparable.
    fidelity : float, default=1.0
        The scheduler's fidelity of this trial, recorded in the result.
    subsample_seed : int, default=0
        Seed of the row subsample.
    max_folds : int, optional
        Evaluate on the first ``max_folds`` splits only (a low-fidelity
        trial); all of them by default.

    Returns
    -------
    result : TrialResult
    """
    t0 = time.monotonic()
    result = TrialResult(
        trial_id=trial_id,
        config=dict(config or {}),
        family=family,
        params=dict(params or {}),
        status="ok",
        n_resources=float(min(row_fraction, 1.0)),
        fidelity=float(fidelity),
    )
    n = _num_samples(X)
    oof = None
    scores = []
    try:
        with _interrupt_at(deadline), _limit_threads(n_threads), (
            warnings.catch_warnings()
        ):
            warnings.simplefilter("ignore")
            for k, (train, test) in enumerate(splits[:max_folds]):
                if row_fraction < 1:
                    train = subsample_rows(
                        train, row_fraction, y=y if classes is not None else None,
                        seed=subsample_seed + k,
                    )
                if deadline is not None and time.monotonic() > deadline:
                    raise _TrialTimeout
                est = clone(estimator)
                X_tr, X_te = _safe_indexing(X, train), _safe_indexing(X, test)
                y_tr, y_te = _safe_indexing(y, train), _safe_indexing(y, test)
                ts = time.monotonic()
                est.fit(X_tr, y_tr)
                tf = time.monotonic()
                result.fit_time += tf - ts
                if return_oof:
                    block = _oof_block(est, X_te, classes)
                    if block is not None:
                        if oof is None:
                            shape = (n,) if block.ndim == 1 else (n, block.shape[1])
                            oof = np.full(shape, np.nan, dtype=np.float32)
                        oof[test] = block
                score = float(scorer(est, X_te, y_te))
                result.predict_time += time.monotonic() - tf
                scores.append(score)
    except _TrialTimeout:
        result.status = "timeout"
        result.error = f"stopped by the time budget after {len(scores)} fold(s)"
    except Exception as exc:  # noqa: BLE001 - a failing trial is data, not a crash
        result.status = "failed"
        result.error = _describe(exc)
    result.scores = np.asarray(scores, dtype=float)
    if result.status == "ok":
        if not scores or not np.all(np.isfinite(result.scores)):
            result.status = "failed"
            result.error = f"non-finite validation score(s): {scores}"
        else:
            result.mean_score = float(np.mean(result.scores))
            result.std_score = float(np.std(result.scores))
            result.oof = oof
    result.duration = time.monotonic() - t0
    return result


def subsample_rows(train, fraction, *, y=None, seed=0):
    """A sorted subsample of the row indices ``train``.

    Parameters
    ----------
    train : ndarray of int
        Row indices to draw from.
    fraction : float
        Share of ``train`` to keep (at least ``min(len(train), 20)`` rows).
    y : array-like, optional
        Labels of all rows: when given, every class keeps its share of the
        rows (at least one each).
    seed : int, default=0

    Returns
    -------
    subset : ndarray of int
    """
    train = np.asarray(train)
    n = len(train)
    k = max(math.ceil(fraction * n), min(n, _MIN_ROWS))
    if k >= n:
        return train
    rng = np.random.default_rng(seed)
    drawn = train[rng.permutation(n)]
    if y is None:
        return np.sort(drawn[:k])
    _, labels = np.unique(np.asarray(y)[drawn], return_inverse=True)
    counts = np.bincount(labels)
    # Rank of each drawn row among the drawn rows of its class.
    order = np.argsort(labels, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    quota = np.maximum(1, np.round(k * counts / n)).astype(np.int64)
    return np.sort(drawn[rank < quota[labels]])


def _num_samples(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _describe(exc):
    msg = str(exc).strip().splitlines()
    first = msg[0] if msg else ""
    where = traceback.extract_tb(exc.__traceback__)
    origin = f" (in {where[-1].name})" if where else ""
    text = f"{type(exc).__name__}: {first}{origin}"
    return text if len(text) < 500 else text[:497] + "..."

