"""The measured costs of a fitted model: predict latency, memory and size.

:func:`measure_profile` is what ``evaluate`` runs on each trial's last-fold
model (on that fold's validation rows, right after that fold was scored)
and what the refit runs on the final model. Times are measurements
(``time.perf_counter``), never decisions. Keys are the
``TrialResult.profile`` / leaderboard column names shared with the NAS
estimators:

``predict_latency_s_per_row``
    Median over the timed ``predict`` calls on a batch of up to
    ``batch_size`` rows, divided by the rows in the batch.
``predict_latency_s_per_row_batch1``
    Median over the timed ``predict`` calls on one row each.
``peak_memory_mb``
    The model's own size (``model_size_bytes``) plus the peak of what one
    ``predict`` of the batch allocates, as :mod:`tracemalloc` sees it
    (Python objects and numpy arrays: the featurizer's intermediate arrays
    and the outputs; native buffers of LightGBM are not seen). For a torch
    network, its measured activation memory is added (``profile_`` of the
    NAS estimators).
``model_size_bytes``
    Bytes of the pickled fitted model (``len(pickle.dumps(model))``,
    counted by a writer that keeps no bytes).
``n_params``, ``flops``, ``device``
    For neural models only (from the fitted network: parameter count,
    estimated FLOPs of one forward pass of one row, the device it ran on).
``profile_time_s``
    Seconds the measurement itself took (its overhead on the trial).

How many calls are timed. The traced (memory) call comes first and is not
timed: tracing slows a predict 2-4 times; it is also the warm-up of the
timed calls. Without ``max_time`` (the refit's measurement), ``n_repeats``
batches and ``n_single`` single rows are timed. With ``max_time`` (a
trial's measurement: ``evaluate`` passes :data:`TRIAL_SHARE` of the trial's
fit and score seconds), one batch and one single row are always timed and
further ones (up to ``n_repeats`` and ``n_single``, alternating) only while
the measurement's elapsed time plus the last duration of that kind of call
stays within ``max_time``; so a cheap trial gets one timing of each (its
median is that one timing) and an expensive one the full repeats.
"""

from __future__ import annotations

import math
import pickle
import time
import tracemalloc

import numpy as np
from sklearn.utils import _safe_indexing

__all__ = ["PROFILE_KEYS", "TRIAL_SHARE", "measure_profile"]

#: share of a trial's fit and score seconds its repeated timings may use
#: (:func:`measure_profile`'s ``max_time`` in ``evaluate``); one batch and
#: one single row are timed whatever it allows
TRIAL_SHARE = 0.02

#: the measured entries, in leaderboard order
PROFILE_KEYS = (
    "predict_latency_s_per_row",
    "predict_latency_s_per_row_batch1",
    "peak_memory_mb",
    "model_size_bytes",
)


class _ByteCounter:
    """A file object that only counts what is written to it."""

    def __init__(self):
        self.n = 0

    def write(self, data):
        # protocol 5 hands large buffers over as PickleBuffer: count their bytes
        size = memoryview(data).nbytes
        self.n += size
        return size


def model_size_bytes(model):
    """Bytes of ``pickle.dumps(model)`` (highest protocol)."""
    counter = _ByteCounter()
    pickle.dump(model, counter, protocol=pickle.HIGHEST_PROTOCOL)
    return counter.n


def _final_step(model):
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def _traced_peak(predict, batch):
    """Bytes allocated at the peak of ``predict(batch)`` (tracemalloc)."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        predict(batch)
        return max(tracemalloc.get_traced_memory()[1] - base, 0)
    finally:
        if started:
            tracemalloc.stop()


def _timed(predict, batch):
    start = time.perf_counter()
    predict(batch)
    return time.perf_counter() - start


def _timed_calls(predict, batch, row, n_repeats, n_single, max_time, t0):
    """Timed batch and single-row calls, within ``max_time`` from ``t0``.

    ``row(i)`` is the ``i``-th single row. Returns the batch seconds and the
    single-row seconds. Without ``max_time``: exactly ``n_repeats`` batches,
    then ``n_single`` rows. With it: one batch and one row, then further
    ones, the kind less done first, while each fits in what is left.
    """
    if max_time is None:
        return ([_timed(predict, batch) for _ in range(n_repeats)],
                [_timed(predict, row(i)) for i in range(n_single)])
    batch_times = [_timed(predict, batch)]
    single_times = [_timed(predict, row(0))]
    while True:
        left = max_time - (time.perf_counter() - t0)
        more_batch = len(batch_times) < n_repeats and batch_times[-1] <= left
        more_single = len(single_times) < n_single and single_times[-1] <= left
        if more_batch and (not more_single or len(batch_times) / n_repeats
                           <= len(single_times) / n_single):
            batch_times.append(_timed(predict, batch))
        elif more_single:
            single_times.append(_timed(predict, row(len(single_times))))
        else:
            return batch_times, single_times


def measure_profile(model, X, *, batch_size=1000, n_repeats=3, n_single=5,
                    max_time=None):
    """Measure the predict latency, peak memory and size of a fitted model.

    Parameters
    ----------
    model : fitted estimator
    X : array-like or DataFrame
        Rows to predict (a trial's validation rows); the batch is the first
        ``min(batch_size, len(X))`` of them, the single rows the first
        ``n_single`` (cycled when there are fewer).
    batch_size : int, default=1000
        Rows of the batched prediction.
    n_repeats : int, default=3
        Timed batched predictions (their median is used); at most this many
        when ``max_time`` is set.
    n_single : int, default=5
        Timed single-row predictions (their median is used); at most this
        many when ``max_time`` is set.
    max_time : float, optional
        Seconds the whole measurement may take before it stops repeating
        (see the module docstring): one batch and one single row are timed
        even when the size and the traced call alone took longer. ``None``:
        exactly ``n_repeats`` and ``n_single`` timings.

    Returns
    -------
    profile : dict
        See the module docstring for the keys. An entry that could not be
        measured (the model cannot be pickled, predict fails on one row) is
        NaN; measuring never raises.
    """
    t0 = time.perf_counter()
    out = dict.fromkeys(PROFILE_KEYS, math.nan)
    n = X.shape[0] if hasattr(X, "shape") else len(X)
    if n == 0:
        return out
    n_repeats, n_single = max(int(n_repeats), 1), max(int(n_single), 1)
    predict = model.predict
    batch = _safe_indexing(X, np.arange(min(int(batch_size), n)))
    try:
        out["model_size_bytes"] = model_size_bytes(model)
    except Exception:  # noqa: BLE001, S110 - an unpicklable model has no size
        pass
    try:
        # the traced call is also the warm-up of the timed ones
        traced = _traced_peak(predict, batch)
        batch_times, single_times = _timed_calls(
            predict, batch, lambda i: _safe_indexing(X, [i % n]),
            n_repeats, n_single, max_time, t0)
        out["predict_latency_s_per_row"] = float(np.median(batch_times)) / len(batch)
        out["predict_latency_s_per_row_batch1"] = float(np.median(single_times))
        size = out["model_size_bytes"]
        peak = traced + (0 if math.isnan(size) else size)
        net = getattr(_final_step(model), "profile_", None)
        if isinstance(net, dict):  # a network: its activations, outside tracemalloc
            activations = net.get("peak_memory_mb", 0.0) - net.get(
                "model_size_bytes", 0) / 2**20
            peak += max(activations, 0.0) * 2**20
        out["peak_memory_mb"] = peak / 2**20
    except Exception:  # noqa: BLE001, S110 - a measurement failure is no trial failure
        pass
    final = _final_step(model)
    for key, attr in (("n_params", "n_params_"), ("flops", "flops_")):
        value = getattr(final, attr, None)
        if value is not None:
            out[key] = int(value)
    net = getattr(final, "profile_", None)
    if isinstance(net, dict) and "device" in net:
        out["device"] = str(net["device"])
    out["profile_time_s"] = time.perf_counter() - t0
    return out

