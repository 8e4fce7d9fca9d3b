"""NAS against the fixed baseline CNN on digits and on a harder digits task.

Tasks (``benchmarks/_images.py``): ``digits`` (``load_digits`` as 8x8
images) and ``hard_digits`` (upsampled to 16x16, random affine distortion
and pixel noise from a fixed seed); both split 75/25, stratified, seed 0.
Each run gets the same wall-clock budget and reports the test accuracy:

- ``baseline``: the fixed baseline :func:`~sklearn_automl.nas.cnn_baseline`
  (three chained 3x3 convolutions, 32 channels), trained the way a user
  would: up to 200 epochs with early stopping (patience 10, best weights
  restored) and ``max_time`` = the budget;
- ``default``: ``NASClassifier()`` with its defaults (random search over the
  cell space, baseline and default first, zero-cost screening with synflow,
  learning-curve stopping, architecture cache);
- ablations of the default: ``no_proxy`` (``proxy=None``), ``naswot``
  (``proxy="naswot"``), ``no_curve`` (``curve_stopping=False``);
- the other strategies: ``bayesian``, ``evolutionary``, ``reinforce``,
  ``darts``, ``random+asha``, and ``automl`` (``AutoMLClassifier`` with its
  defaults on the images).

Learning-curve stops are counted by wrapping ``CurveStop.on_epoch_end`` in
this process (trials run in this process: ``n_jobs=None``). Every run appends
a row to ``<out>.csv``; the Markdown summary ``<out>.md`` is rewritten from
all rows of that CSV. The full run of the issue (about 45 minutes; run it
alone on the machine)::

    for task in digits hard_digits; do
      for seed in 0 1 2; do
        python benchmarks/nas_digits.py --task $task --budget 120 --seed $seed \\
            --runs default,baseline
      done
      python benchmarks/nas_digits.py --task $task --budget 120 --seed 0 \\
          --runs no_proxy,naswot,no_curve,bayesian,evolutionary,reinforce,darts,random+asha,automl
    done
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _images import TASKS, load_task
from _suite import git_commit

from sklearn_automl import AutoMLClassifier
from sklearn_automl.nas import CNNNetClassifier, NASClassifier, _training, cnn_baseline
from sklearn_automl.nas._spaces import config_to_params

RUNS = {
    "default": {},
    "no_proxy": {"proxy": None},
    "naswot": {"proxy": "naswot"},
    "no_curve": {"curve_stopping": False},
    "bayesian": {"strategy": "bayesian"},
    "evolutionary": {"strategy": "evolutionary"},
    "reinforce": {"strategy": "reinforce"},
    "darts": {"strategy": "darts"},
    "random+asha": {"schedule": "asha"},
    "baseline": None,
    "automl": None,
}
FIELDS = ["task", "run", "seed", "budget", "test_accuracy", "holdout_score", "wall_s",
          "n_trials", "n_cached", "n_screened", "n_curve_stopped", "epochs_saved",
          "best_is_baseline", "n_params", "flops", "epochs", "commit", "loadavg", "arch"]


class _CurveCounter:
    """Counts the trials stopped by learning-curve extrapolation, and the epochs saved."""

    def __init__(self):
        self.stopped, self.saved = 0, 0
        self._original = _training.CurveStop.on_epoch_end

    def __enter__(self):
        counter, original = self, self._original

        def counted(cb, net, **kwargs):
            try:
                return original(cb, net, **kwargs)
            except KeyboardInterrupt:
                counter.stopped += 1
                counter.saved += cb.max_epochs - len(net.history)
                raise

        _training.CurveStop.on_epoch_end = counted
        return self

    def __exit__(self, *exc):
        _training.CurveStop.on_epoch_end = self._original


def run_one(name, task, Xtr, Xte, ytr, yte, budget, seed, threads):
    start = time.perf_counter()
    row = {"task": task, "run": name, "seed": seed, "budget": budget}
    if name == "baseline":
        shape = (1, *Xtr.shape[1:])
        net = CNNNetClassifier(**config_to_params(cnn_baseline(shape)), max_epochs=200,
                               early_stopping=10, max_time=budget, n_jobs=threads,
                               device="cpu", random_state=seed).fit(Xtr, ytr)
        row.update(test_accuracy=net.score(Xte, yte), n_trials=1, n_params=net.n_params_,
                   flops=net.flops_, epochs=net.n_epochs_, best_is_baseline=True)
    elif name == "automl":
        automl = AutoMLClassifier(time_budget=budget, n_jobs=threads,
                                  random_state=seed).fit(Xtr, ytr)
        row.update(test_accuracy=automl.score(Xte, yte), n_trials=automl.n_trials_,
                   holdout_score=automl.best_score_)
    else:
        with _CurveCounter() as counter:
            nas = NASClassifier(**RUNS[name], time_budget=budget, n_jobs=None,
                                device="cpu", random_state=seed).fit(Xtr, ytr)
        best = nas.best_estimator_
        shape = nas.input_shape_
        row.update(
            test_accuracy=nas.score(Xte, yte), holdout_score=nas.best_score_,
            n_trials=nas.n_trials_, n_cached=nas.n_cached_, n_screened=nas.n_screened_,
            n_curve_stopped=counter.stopped, epochs_saved=counter.saved,
            best_is_baseline=nas.best_params_ == config_to_params(cnn_baseline(shape)),
            n_params=best.n_params_, flops=best.flops_, epochs=best.n_epochs_,
            arch=json.dumps(nas.best_params_, default=str),
        )
    row["wall_s"] = time.perf_counter() - start
    row["loadavg"] = round(os.getloadavg()[0], 2)
    return row


def _summary(rows):
    by = {}
    for r in rows:
        by.setdefault((r["task"], r["run"], r["budget"]), []).append(r)
    lines = [
        ("| task | run | budget s | seeds | test accuracy (mean) | per seed | trials | "
        "cached | screened | curve-stopped (epochs saved) | best = baseline | "
        "wall s | load |"),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (task, run, budget), rs in sorted(by.items()):
        acc = [float(r["test_accuracy"]) for r in rs]

        def total(key, rs=rs):
            vals = [float(r[key]) for r in rs if r.get(key) not in ("", None)]
            return f"{sum(vals):g}" if vals else ""

        lines.append(
            f"| {task} | {run} | {float(budget):g} | "
            f"{','.join(str(r['seed']) for r in rs)} | {np.mean(acc):.4f} | "
            f"{' '.join(f'{a:.4f}' for a in acc)} | {total('n_trials')} | "
            f"{total('n_cached')} | {total('n_screened')} | {total('n_curve_stopped')} "
            f"({total('epochs_saved')}) | "
            f"{sum(str(r['best_is_baseline']) == 'True' for r in rs)}/{len(rs)} | "
            f"{np.mean([float(r['wall_s']) for r in rs]):.0f} | "
            f"{np.mean([float(r['loadavg']) for r in rs]):.1f} |")
    return lines


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--task", choices=TASKS, default="digits")
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--runs", default="default,baseline")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="benchmarks/results/nas_bench")
    p.add_argument("--note", default="")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    Xtr, Xte, ytr, yte = load_task(args.task)
    out = Path(args.out + ".csv")
    commit = git_commit()
    for name in args.runs.split(","):
        if name not in RUNS:
            raise SystemExit(f"unknown run {name!r}; known: {list(RUNS)}")
        row = run_one(name, args.task, Xtr, Xte, ytr, yte, args.budget, args.seed,
                      args.threads)
        row["commit"] = commit
        print(row, flush=True)
        new = not out.exists()
        with open(out, "a", newline="") as f:
            writer = csv.DictWriter(f, FIELDS)
            if new:
                writer.writeheader()
            writer.writerow({k: row.get(k, "") for k in FIELDS})
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    header = [f"# NAS vs the fixed baseline ({out.name})", "", args.note, ""]
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(header + _summary(rows)) + "\n")


if __name__ == "__main__":
    main()
