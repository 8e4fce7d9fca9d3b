"""Checkpoint of a search: a trial log that survives the process.

A checkpoint is a folder with two files:

``trials.jsonl``
    A header line (format version and the search's *fingerprint*), then
    one JSON line per finished trial, appended, flushed and ``fsync``-ed as
    the trial ends. Out-of-fold predictions are not stored.
``summary.json``
    Trials so far, the best one, and whether the search finished; replaced
    atomically (written aside, then ``os.replace``).

A search restarted with the same checkpoint replays the log into its
history, searcher and scheduler (see ``BaseAutoML._search``) instead of
re-running the trials. A truncated last line (the process died while
writing it) is dropped with a warning; a log written for other data or
another search space is refused.
"""

from __future__ import annotations

import base64
import json
import math
import os
import pickle
import time
import warnings

import numpy as np

from ._history import TrialResult

__all__ = ["Checkpoint", "fingerprint_data", "open_checkpoint", "stored_or_new_seed"]

FORMAT_VERSION = 1
LOG = "trials.jsonl"
SUMMARY = "summary.json"


def fingerprint_data(X, y):
    """Shape, columns, dtypes and a hash of ``X`` and ``y``."""
    import joblib

    info = {"shape": [int(s) for s in X.shape]}
    if hasattr(X, "columns"):
        info["columns"] = [str(c) for c in X.columns]
        info["dtypes"] = [str(d) for d in X.dtypes]
    else:
        info["dtypes"] = [str(X.dtype)]
    info["hash"] = joblib.hash((X, np.asarray(y)))
    return info


def _plain(value):
    """``value`` as JSON (numpy scalars/arrays to Python, others to repr)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)


def _encode(obj):
    return base64.b64encode(pickle.dumps(obj, protocol=4)).decode("ascii")


def _decode(text):
    return pickle.loads(base64.b64decode(text))


def _float(value):
    return float(value) if isinstance(value, (int, float)) else float(value or "nan")


def _profile(stored):
    """A logged hardware profile back as numbers (NaN and inf were logged as text)."""
    special = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
    return {k: special.get(v, v) if isinstance(v, str) else v
            for k, v in (stored or {}).items()}


class Checkpoint:
    """Append-only trial log with an atomically replaced summary.

    Parameters
    ----------
    path : str or path-like
        The checkpoint folder (created if missing).
    fingerprint : dict
        What identifies the search: data, task, space, scoring, folds...
        A log with another fingerprint is refused.

    seed : int, optional
        The search's seed, stored in the header (see :meth:`stored_seed`).
    """

    def __init__(self, path, fingerprint, *, seed=None):
        self.path = os.fspath(path)
        self.fingerprint = _plain(fingerprint)
        self.seed = seed
        self._file = None

    @staticmethod
    def stored_seed(path):
        """The seed in the header of the checkpoint at ``path`` (or None)."""
        try:
            with open(os.path.join(os.fspath(path), LOG), "rb") as f:
                header = json.loads(f.readline().decode("utf-8"))
        except (OSError, ValueError):
            return None
        seed = header.get("seed") if isinstance(header, dict) else None
        return int(seed) if isinstance(seed, int) else None

    @property
    def log_path(self):
        return os.path.join(self.path, LOG)

    # ---------------------------------------------------------------- read
    def load(self):
        """The trial records of an existing log (a list of dicts; [] if new).

        Each record has the :class:`TrialResult` fields (``oof`` excepted;
        ``profile``, the measured costs, included) and ``"issued_after"``:
        how many results the search had received
        when the trial was handed out (so that a replay interleaves
        proposals and results exactly as they happened).

        Raises
        ------
        ValueError
            If the log belongs to another search (fingerprint) or a line
            other than the last is corrupt.
        """
        if not os.path.exists(self.log_path):
            return []
        with open(self.log_path, "rb") as f:
            raw = f.read()
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        records, good_bytes = [], 0
        for i, line in enumerate(lines):
            try:
                rec = json.loads(line.decode("utf-8"))
                if not isinstance(rec, dict):
                    raise ValueError("not an object")  # noqa: TRY004
            except ValueError as exc:
                if i == len(lines) - 1:
                    warnings.warn(
                        f"The last line of the checkpoint log {self.log_path!r} is "
                        f"truncated or corrupt ({exc}); it is dropped (that trial "
                        "will run again).",
                        UserWarning,
                        stacklevel=3,
                    )
                    break
                raise ValueError(
                    f"The checkpoint log {self.log_path!r} is corrupt at line {i + 1} "
                    f"({exc}); delete the checkpoint folder to start afresh."
                ) from None
            if i == 0:
                self._check_header(rec)
            else:
                records.append(rec)
            good_bytes += len(line) + 1
        if good_bytes != len(raw):  # cut the damaged tail so appends stay clean
            with open(self.log_path, "r+b") as f:
                f.truncate(min(good_bytes, len(raw)))
                if good_bytes > len(raw):  # last good line lacked its newline
                    f.seek(0, os.SEEK_END)
                    f.write(b"\n")
                f.flush()
                os.fsync(f.fileno())
        return records

    def _check_header(self, header):
        if header.get("kind") != "header" or header.get("version") != FORMAT_VERSION:
            raise ValueError(
                f"{self.log_path!r} is not a sklearn_automl checkpoint log (format "
                f"version {FORMAT_VERSION})."
            )
        theirs = header.get("fingerprint", {})
        differ = sorted(
            k for k in set(theirs) | set(self.fingerprint)
            if theirs.get(k) != self.fingerprint.get(k)
        )
        if differ:
            what = {
                "data": "another dataset", "space": "another search space",
                "task": "another task", "splits": "other cross-validation folds",
                "scoring": "another scoring", "search": "another search strategy",
                "schedule": "another schedule",
            }
            reasons = ", ".join(what.get(k, k) for k in differ)
            raise ValueError(
                f"The checkpoint {self.path!r} was written by a different search "
                f"({reasons}: {', '.join(differ)} differ); pass a new checkpoint "
                "path or delete this one to start afresh."
            )

    @staticmethod
    def result(record):
        """The :class:`TrialResult` of a log record (without OOF predictions)."""
        return TrialResult(
            trial_id=int(record["trial_id"]),
            config=_decode(record["config_pickle"]),
            family=record["family"],
            params=_decode(record["params_pickle"]),
            status=record["status"],
            scores=np.asarray([_float(s) for s in record["scores"]], dtype=float),
            mean_score=_float(record["mean_score"]),
            std_score=_float(record["std_score"]),
            fit_time=float(record["fit_time"]),
            predict_time=float(record["predict_time"]),
            error=record.get("error"),
            n_resources=float(record["n_resources"]),
            fidelity=float(record["fidelity"]),
            duration=float(record["duration"]),
            profile=_profile(record.get("profile")),
            # absent from logs written before early stopping
            iterations=[int(i) for i in record.get("iterations", [])],
            refit_params=(_decode(record["refit_params_pickle"])
                          if "refit_params_pickle" in record else {}),
        )

    # --------------------------------------------------------------- write
    def open(self):
        """Create the folder and header if new; open the log for appending."""
        os.makedirs(self.path, exist_ok=True)
        new = not os.path.exists(self.log_path) or os.path.getsize(self.log_path) == 0
        self._file = open(self.log_path, "ab")  # noqa: SIM115 - closed in close()
        if new:
            self._write({"kind": "header", "version": FORMAT_VERSION,
                         "fingerprint": self.fingerprint, "seed": self.seed,
                         "created": time.time()})
        return self

    def _write(self, record):
        line = json.dumps(record, separators=(",", ":"), allow_nan=False)
        self._file.write(line.encode("utf-8") + b"\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, result, issued_after):
        """Log one finished trial (flushed and fsync-ed)."""
        self._write({
            "kind": "trial",
            "trial_id": int(result.trial_id),
            "issued_after": int(issued_after),
            "family": result.family,
            "status": result.status,
            "mean_score": _plain(float(result.mean_score)),
            "std_score": _plain(float(result.std_score)),
            "scores": [_plain(float(s)) for s in result.scores],
            "fit_time": float(result.fit_time),
            "predict_time": float(result.predict_time),
            "duration": float(result.duration),
            "n_resources": float(result.n_resources),
            "fidelity": float(result.fidelity),
            "error": result.error,
            "profile": _plain(result.profile),
            "config": _plain(result.config),
            "config_pickle": _encode(result.config),
            "params_pickle": _encode(result.params),
            "iterations": [int(i) for i in result.iterations],
            "refit_params_pickle": _encode(result.refit_params),
        })

    def write_summary(self, history, finished=False):
        """Replace ``summary.json`` atomically."""
        best = history.best()
        summary = {
            "fingerprint": self.fingerprint,
            "n_trials": len(history),
            "statuses": _plain(
                {s: sum(t.status == s for t in history.trials)
                 for s in sorted({t.status for t in history.trials})}
            ),
            "best": None if best is None else {
                "trial_id": best.trial_id, "family": best.family,
                "mean_score": _plain(best.mean_score), "config": _plain(best.config),
            },
            "finished": bool(finished),
            "updated": time.time(),
        }
        target = os.path.join(self.path, SUMMARY)
        tmp = f"{target}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(summary, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def open_checkpoint(path, X, y, *, task, space, splits, scoring, search, schedule,
                    seed):
    """The :class:`Checkpoint` at ``path`` for this search's fingerprint.

    The fingerprint (data, task, space, folds, scoring, searcher, schedule,
    seed) is what a resumed search must share with the one that wrote the
    log.
    """
    import joblib

    def name(obj):
        if isinstance(obj, str) or obj is None:
            return obj
        return type(obj).__qualname__

    fingerprint = {
        "data": fingerprint_data(X, y),
        "task": task,
        "space": space.fingerprint(),
        "splits": joblib.hash(splits),
        "scoring": scoring if isinstance(scoring, str) or scoring is None
        else getattr(scoring, "__qualname__", type(scoring).__qualname__),
        "search": name(search),
        "schedule": name(schedule),
        "seed": seed,
    }
    return Checkpoint(path, fingerprint, seed=seed)


def stored_or_new_seed(path, random_state):
    """The int seed of a checkpointed search (``None`` without checkpoint).

    A resumed search must draw the same folds, model seeds and proposals:
    an int ``random_state`` is used as is; otherwise the seed stored in an
    existing checkpoint, or a new one drawn from ``random_state``.
    """
    import numbers

    from sklearn.utils import check_random_state

    if path is None:
        return None
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    stored = Checkpoint.stored_seed(path)
    if stored is not None:
        return stored
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
