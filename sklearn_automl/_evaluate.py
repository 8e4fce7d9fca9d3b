"""Evaluate one pipeline by cross-validation: a pure function of its inputs.

It runs the same in this process, a loky worker or a dask worker; whatever
the estimator does (raise, return garbage scores), the outcome is a
:class:`TrialResult`, never an exception.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import signal
import sys
import threading
import time
import traceback
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing

from ._budget import TRAINING_SHARE, bound_training_time
from ._history import TrialResult
from ._profile import measure_profile

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


#: frames of the import machinery (frozen, or from source where not frozen)
_IMPORT_FILES = (
    "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>",
    "importlib/_bootstrap.py", "importlib/_bootstrap_external.py",
)
#: how often an interrupt that fell inside an import is retried (seconds)
_IMPORT_RETRY_S = 0.01
#: how long past the deadline an import may run before it is interrupted anyway
_IMPORT_GRACE_S = 60.0


def _import_depth(frame):
    """How many frames of ``frame``'s stack belong to the import machinery."""
    depth = 0
    while frame is not None:
        if frame.f_code.co_filename.endswith(_IMPORT_FILES):
            depth += 1
        frame = frame.f_back
    return depth


def _is_neural(estimator):
    """Whether ``estimator`` or one of its nested estimators is a torch model."""
    try:
        objects = [estimator, *estimator.get_params(deep=True).values()]
    except Exception:  # noqa: BLE001 - an odd estimator: no warm-up, no harm
        return False
    return any(
        cls.__module__.partition(".")[0] in ("torch", "skorch")
        or cls.__module__.startswith("sklearn_automl.nas")
        for obj in objects
        for cls in type(obj).__mro__
    )


def _preload_imports(estimator):
    """Import, before a trial's timer is armed, what its first fit imports lazily.

    torch imports ``torch._dynamo`` (and with it sympy, torch.fx, ...: some
    800 modules, seconds on a loaded machine) the first time an optimizer is
    built. A timeout raised in the middle of that leaves half-initialised
    modules in ``sys.modules`` (``sympy`` without its ``core`` attribute),
    and every later neural trial of the process fails. Done once per process,
    for neural estimators only; a failure here is left to the trial itself.
    """
    if not _is_neural(estimator):
        return
    # on failure the fit imports (or fails) on its own
    with contextlib.suppress(Exception):
        from .nas._training import preload_lazy_imports

        preload_lazy_imports()


@contextlib.contextmanager
def _interrupt_at(deadline):
    """Interrupt the block at ``deadline`` (``time.monotonic()``) with SIGALRM.

    Python delivers the signal between bytecodes, so estimators whose fit is a
    Python loop over C calls (boosting rounds, trees) stop within one step.
    Only possible in the main thread on POSIX; elsewhere the caller's
    between-fold checks are the only limit.

    The interrupt never lands inside an import that the block started: an
    exception there would leave the module (and its package) half-initialised
    in ``sys.modules`` for the rest of the process. It is retried every
    ``_IMPORT_RETRY_S`` until the import has finished (for at most
    ``_IMPORT_GRACE_S`` past the deadline).
    """
    usable = (
        deadline is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return
    # imports already running around the block (a fit at a module's top level)
    outer_imports = _import_depth(sys._getframe())

    def _raise(signum, frame):
        if (
            _import_depth(frame) > outer_imports
            and time.monotonic() < deadline + _IMPORT_GRACE_S
        ):
            signal.setitimer(signal.ITIMER_REAL, _IMPORT_RETRY_S)
            return
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
    refit=False,
    encode_labels=False,
    latency_batch_size=None,
    early_stopping=None,
):
    """Cross-validate ``estimator`` on the given splits (or refit it on all rows).

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
        With ``refit``: fit on this fraction of all rows (stratified when
        ``classes`` is given).
    fidelity : float, default=1.0
        The scheduler's fidelity of this trial, recorded in the result.
    subsample_seed : int, default=0
        Seed of the row subsample.
    max_folds : int, optional
        Evaluate on the first ``max_folds`` splits only (a low-fidelity
        trial); all of them by default.
    refit : bool, default=False
        Instead of cross-validating, fit ``estimator`` on all of ``(X, y)``
        (within ``deadline``) and return it as ``result.estimator``: how the
        final pipelines are refit on the executor's workers.
    encode_labels : bool, default=False
        With ``refit``: fit on ``y`` encoded as ``0..n_classes-1`` (what a
        ``VotingClassifier`` trains its members on).
    latency_batch_size : int, optional
        Measure the last fold's model on its validation rows (predict
        latency at this batch size and for single rows, peak memory, size;
        see :func:`~sklearn_automl._profile.measure_profile`) into
        ``result.profile``. Not counted in ``predict_time``; a deadline
        reached while measuring leaves the scored trial ``"ok"`` without
        its profile. ``None``: nothing is measured.
    early_stopping : EarlyStopping, optional
        The family stops early (:class:`~sklearn_automl.space.EarlyStopping`):
        in each fold the pipeline's featurizer steps are fitted on the
        training rows, the validation rows are transformed once, and the
        final step is fitted with them as its validation set (its iteration
        parameter is then only a cap). The fold is scored as any other. The
        best count of each fold goes to ``result.iterations`` and the count
        for a refit on all rows (:meth:`EarlyStopping.refit_count`) to
        ``result.refit_params``.

    Returns
    -------
    result : TrialResult
    """
    if deadline is not None:
        _preload_imports(estimator)
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
    if refit:
        if row_fraction < 1:  # a refit on a row subsample (see _splits.refit_fraction)
            rows = subsample_rows(np.arange(_num_samples(X)), row_fraction,
                                  y=y if classes is not None else None,
                                  seed=subsample_seed)
            X, y = _safe_indexing(X, rows), _safe_indexing(y, rows)
        return _fit_all(result, estimator, X, y, deadline, n_threads, encode_labels, t0)
    n = _num_samples(X)
    oof = None
    scores = []
    iterations, n_trained = [], []
    try:
        with _interrupt_at(deadline), _limit_threads(n_threads), (
            warnings.catch_warnings()
        ):
            warnings.simplefilter("ignore")
            n_folds = len(splits[:max_folds])
            for k, (train, test) in enumerate(splits[:max_folds]):
                if row_fraction < 1:
                    train = subsample_rows(
                        train, row_fraction, y=y if classes is not None else None,
                        seed=subsample_seed + k,
                    )
                if deadline is not None and time.monotonic() > deadline:
                    raise _TrialTimeout
                est = clone(estimator)
                fold_time = None
                if deadline is not None:  # per fold left: the networks' max_time,
                    fold_time = TRAINING_SHARE * (  # and early stopping's
                        deadline - time.monotonic()) / (n_folds - k)
                    bound_training_time(est, fold_time)
                X_tr, X_te = _safe_indexing(X, train), _safe_indexing(X, test)
                y_tr, y_te = _safe_indexing(y, train), _safe_indexing(y, test)
                ts = time.monotonic()
                if early_stopping is None:
                    est.fit(X_tr, y_tr)
                else:
                    iterations.append(_fit_stopping(
                        est, early_stopping, X_tr, y_tr, X_te, y_te, classes,
                        max_time=fold_time))
                    n_trained.append(len(train))
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
            if latency_batch_size and scores:
                _profile_into(result, est, X_te, latency_batch_size)
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
            if iterations:
                result.iterations = iterations
                result.refit_params = {
                    _param_name(estimator, early_stopping.param):
                        early_stopping.refit_count(iterations, n_trained, n)
                }
    result.duration = time.monotonic() - t0
    return result


def _fit_stopping(est, stopping, X_tr, y_tr, X_val, y_val, classes, max_time=None):
    """Fit ``est`` with early stopping on the validation rows; the best count.

    A pipeline's steps before the last are fitted on the training rows (as
    ``Pipeline.fit`` fits them) and transform the validation rows once; the
    last step is fitted by ``stopping``, within what is left of ``max_time``
    seconds after them. Validation rows of a class that the training rows
    lack are left out of the stopping set (a model cannot encode that
    label); with none left, the model trains to its cap.
    """
    start = time.monotonic()
    model = est
    if hasattr(est, "steps"):
        if len(est.steps) > 1:
            head = est[:-1]  # the same step objects, fitted in place
            X_tr = head.fit_transform(X_tr, y_tr)
            X_val = head.transform(X_val)
        model = est.steps[-1][1]
    if classes is not None:
        seen = np.isin(np.asarray(y_val), np.unique(np.asarray(y_tr)))
        if not seen.any():
            model.fit(X_tr, y_tr)
            return int(model.get_params()[stopping.param])
        if not seen.all():
            keep = np.flatnonzero(seen)
            X_val, y_val = _safe_indexing(X_val, keep), _safe_indexing(y_val, keep)
    if max_time is None or not _takes_max_time(stopping):
        return int(stopping.fit(model, X_tr, y_tr, X_val, y_val))
    left = max_time - (time.monotonic() - start)
    return int(stopping.fit(model, X_tr, y_tr, X_val, y_val, max_time=left))


def _takes_max_time(stopping):
    """Whether ``stopping.fit`` has a ``max_time`` parameter (user subclasses may not)."""
    try:
        return "max_time" in inspect.signature(stopping.fit).parameters
    except (TypeError, ValueError):
        return False


def _param_name(estimator, param):
    """``param`` of the final step, as ``set_params`` of ``estimator`` names it."""
    if hasattr(estimator, "steps"):
        return f"{estimator.steps[-1][0]}__{param}"
    return param


def _profile_into(result, est, X_val, batch_size):
    """The last fold's model's measured costs (see ``latency_batch_size``).

    Measured once, on the last fold: the folds' models have the same
    structure, and one measurement keeps the overhead to one model's worth
    of predictions. Its repeated timings stop at ``TRIAL_SHARE`` of the
    trial's fit and score seconds (one batch and one single row are always
    timed; see :mod:`sklearn_automl._profile`).
    """
    from ._profile import TRIAL_SHARE

    max_time = TRIAL_SHARE * (result.fit_time + result.predict_time)
    try:
        result.profile = {**result.profile, **measure_profile(
            est, X_val, batch_size=batch_size, max_time=max_time)}
    except _TrialTimeout:  # every fold was scored: keep the trial
        pass


def _fit_all(result, estimator, X, y, deadline, n_threads, encode_labels, t0):
    """Fit a clone of ``estimator`` on all rows into ``result.estimator``."""
    try:
        with _interrupt_at(deadline), _limit_threads(n_threads), (
            warnings.catch_warnings()
        ):
            warnings.simplefilter("ignore")
            if encode_labels:
                from sklearn.preprocessing import LabelEncoder

                y = LabelEncoder().fit_transform(y)
            est = clone(estimator)
            if deadline is not None:
                bound_training_time(est, TRAINING_SHARE * (deadline - time.monotonic()))
            est.fit(X, y)
            result.fit_time = time.monotonic() - t0
            result.estimator = est
    except _TrialTimeout:
        result.status = "timeout"
        result.error = "refit stopped at its deadline"
    except Exception as exc:  # noqa: BLE001 - a failing refit is data, not a crash
        result.status = "failed"
        result.error = _describe(exc)
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

