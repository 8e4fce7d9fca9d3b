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
    The model's own size (``model_size_bytes``) plus what one ``predict``
    of the batch adds at its peak. On Linux, the growth of the process's
    peak resident memory during that call: ``VmHWM`` of ``/proc/self/status``
    after resetting it (``/proc/self/clear_refs``), minus ``VmRSS`` before,
    with the allocator's free memory handed back to the system first
    (``malloc_trim``) so that reused free memory is counted. It sees
    everything the call touches: numpy arrays, Python objects and native
    buffers (LightGBM, torch), to the page (4 KiB); one such measurement
    runs at a time in a process (a lock), memory another thread allocates
    meanwhile counts too, and memory the allocator keeps resident
    outside ``malloc_trim``'s reach (Python's small-object pools, the top
    pad of the heap: a few hundred KiB) is not counted when reused. Elsewhere (or when ``/proc`` cannot be used) the peak of
    what the call allocates as :mod:`tracemalloc` sees it (Python objects
    and numpy arrays, no native buffers), on a separate, untimed call
    (tracing slows a predict 2-4 times). For a torch network, its own
    measured activation memory (``profile_`` of the NAS estimators) is a
    floor of the resident growth, and is added to what tracemalloc sees.
``model_size_bytes``
    Bytes of the pickled fitted model (``len(pickle.dumps(model))``,
    counted by a writer that keeps no bytes).
``n_params``, ``flops``, ``device``
    For neural models only (from the fitted network: parameter count,
    estimated FLOPs of one forward pass of one row, the device it ran on).
``profile_time_s``
    Seconds the measurement itself took (its overhead on the trial).

How many calls are timed. Without ``max_time`` (the refit's measurement):
the memory call first, untimed (also the warm-up), then ``n_repeats``
batches and ``n_single`` single rows. With ``max_time`` (a trial's
measurement: ``evaluate`` passes :data:`TRIAL_SHARE` of the trial's fit
and score seconds; the trial's scoring has just warmed the model up): the
resident-memory call is also the first timed batch (with tracemalloc, the
traced call comes first, untimed); one batch and one single row are always
timed, and further ones (up to ``n_repeats`` and ``n_single``, the kind less
done first) only while the measurement's elapsed time plus the last
duration of that kind of call stays within ``max_time``. So a cheap trial
gets one timing of each (the median of one) and an expensive one the full
repeats.
"""

from __future__ import annotations

import ctypes
import functools
import math
import pickle
import sys
import threading
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


#: whether the resident-memory peak can be measured (None: not tried yet)
_RESIDENT = {"ok": None, "trim": None}
#: the high-water mark is the process's: one measurement at a time (trials
#: in threads of one process would reset it under each other's feet)
_RESIDENT_LOCK = threading.Lock()


def _status_bytes(*keys):
    """``/proc/self/status`` entries (kB) in bytes."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in keys:
                found[key] = int(value.split()[0]) * 1024
    return [found[k] for k in keys]


def _reset_peak_rss():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets VmHWM to the current VmRSS (Linux >= 4.0)


def _resident_available():
    """Whether this process can reset and read its peak resident memory."""
    if _RESIDENT["ok"] is None:
        ok = sys.platform.startswith("linux")
        if ok:
            try:
                _reset_peak_rss()
                _status_bytes("VmHWM", "VmRSS")
            except (OSError, ValueError, KeyError):
                ok = False
        _RESIDENT.update(ok=ok, trim=_malloc_trim() if ok else None)
    return _RESIDENT["ok"]


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim`` (None elsewhere)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory():
    """Hand freed heap pages back to the system (glibc; elsewhere a no-op).

    Many small arrays (a forest's trees) live on the heap, which ``free``
    alone does not shrink.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _resident_peak(predict, batch):
    """Growth of the peak resident memory during ``predict(batch)`` (bytes),
    and the call's seconds (timed as :func:`_timed` times)."""
    with _RESIDENT_LOCK:
        if _RESIDENT["trim"] is not None:
            _RESIDENT["trim"](0)  # free memory back to the system: reuse is seen
        _reset_peak_rss()
        (base,) = _status_bytes("VmRSS")
        seconds = _timed(predict, batch)
        (peak,) = _status_bytes("VmHWM")
    return max(peak - base, 0), seconds


def _timed(predict, batch):
    start = time.perf_counter()
    predict(batch)
    return time.perf_counter() - start


def _timed_calls(predict, batch, row, n_repeats, n_single, max_time, t0, first):
    """Timed batch and single-row calls, within ``max_time`` from ``t0``.

    ``row(i)`` is the ``i``-th single row; ``first`` the seconds of a batch
    already timed (the resident-memory call) or None. Returns the batch
    seconds and the single-row seconds. Without ``max_time``: exactly
    ``n_repeats`` batches, then ``n_single`` rows (``first`` unused). With
    it: one batch (``first`` if given) and one row, then further ones, the
    kind less done first, while each fits in what is left.
    """
    if max_time is None:
        return ([_timed(predict, batch) for _ in range(n_repeats)],
                [_timed(predict, row(i)) for i in range(n_single)])
    batch_times = [_timed(predict, batch) if first is None else first]
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
        even when they alone take longer. ``None``: an untimed memory call
        (the warm-up), then exactly ``n_repeats`` and ``n_single`` timings.

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
        resident = _resident_available()
        if resident:
            try:
                grown, first = _resident_peak(predict, batch)
            except OSError:  # /proc went away: tracemalloc from now on
                _RESIDENT["ok"] = resident = False
        if not resident:  # tracing slows the call: never one of the timed ones
            grown, first = _traced_peak(predict, batch), None
        batch_times, single_times = _timed_calls(
            predict, batch, lambda i: _safe_indexing(X, [i % n]),
            n_repeats, n_single, max_time, t0,
            None if max_time is None else first)
        out["predict_latency_s_per_row"] = float(np.median(batch_times)) / len(batch)
        out["predict_latency_s_per_row_batch1"] = float(np.median(single_times))
        size = out["model_size_bytes"]
        net = getattr(_final_step(model), "profile_", None)
        if isinstance(net, dict):  # a network's own activation memory
            activations = max(net.get("peak_memory_mb", 0.0) - net.get(
                "model_size_bytes", 0) / 2**20, 0.0) * 2**20
            # resident growth sees torch's buffers; tracemalloc does not
            grown = max(grown, activations) if resident else grown + activations
        peak = grown + (0 if math.isnan(size) else size)
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

