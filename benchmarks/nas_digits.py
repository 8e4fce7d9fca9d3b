"""NAS on ``load_digits`` as 8x8 images, on 2 CPU threads.

Test accuracy (a stratified 25 % split, seed 0) of:

- a fixed three-layer CNN (three 3x3 convolutions of 32 channels) trained
  for 10 seconds, the baseline the search must match;
- ``NASClassifier`` with each strategy at the same time budget (120 s by
  default): random, Bayesian, evolutionary, REINFORCE, DARTS, and random
  search under ASHA (epochs as the fidelity);
- ``AutoMLClassifier`` with its defaults at the same budget (images: the CNN
  space only; two trials in parallel on one thread each, an ensemble of the
  best networks at the end).

Also reports the CPU epoch time of the default CNN and of a default MLP
(on the flat digits). Writes a JSON and a Markdown table next to each other.

    flock /tmp/bench.lock python benchmarks/nas_digits.py [--budget 120]
        [--strategies random,bayesian,...] [--out benchmarks/results/nas_digits]
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite import git_commit

from sklearn_automl import AutoMLClassifier
from sklearn_automl.nas import CNNNetClassifier, MLPNetClassifier, NASClassifier

RUNS = {
    "random": {"strategy": "random"},
    "bayesian": {"strategy": "bayesian"},
    "evolutionary": {"strategy": "evolutionary"},
    "reinforce": {"strategy": "reinforce"},
    "darts": {"strategy": "darts"},
    "random+asha": {"strategy": "random", "schedule": "asha"},
    "automl": None,  # AutoMLClassifier with its defaults
}


def _load():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X.reshape(-1, 8, 8), y, test_size=0.25, stratify=y,
                            random_state=0)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--strategies", default=",".join(RUNS))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="benchmarks/results/nas_digits")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    nj = args.threads
    Xtr, Xte, ytr, yte = _load()
    rows = []
    load = [os.getloadavg()]

    start = time.perf_counter()
    base = CNNNetClassifier(
        channels=32, n_stages=1, cell=(("conv3x3", 0), ("conv3x3", 1), ("conv3x3", 2)),
        max_epochs=1000, early_stopping=None, max_time=10, n_jobs=nj,
        random_state=args.seed,
    ).fit(Xtr, ytr)
    rows.append({"run": "fixed 3-layer CNN, 10 s", "test_accuracy": base.score(Xte, yte),
                 "wall_s": time.perf_counter() - start, "n_trials": 1,
                 "n_params": base.n_params_, "flops": base.flops_,
                 "epochs": base.n_epochs_})
    print(rows[-1], flush=True)

    epoch = {}
    for threads in (1, 2):
        cnn = CNNNetClassifier(max_epochs=3, early_stopping=None, n_jobs=threads,
                               random_state=0).fit(Xtr, ytr)
        epoch[f"cnn_default_epoch_s_{threads}thr"] = cnn.epoch_time_
        epoch[f"cnn_default_latency_us_{threads}thr"] = 1e6 * cnn.latency_per_sample_
        mlp = MLPNetClassifier(max_epochs=3, early_stopping=None, n_jobs=threads,
                               random_state=0).fit(Xtr.reshape(len(Xtr), -1), ytr)
        epoch[f"mlp_default_epoch_s_{threads}thr"] = mlp.epoch_time_
        epoch[f"mlp_default_latency_us_{threads}thr"] = 1e6 * mlp.latency_per_sample_
    epoch["n_train_rows"] = len(Xtr)
    print(epoch, flush=True)

    for name in args.strategies.split(","):
        start = time.perf_counter()
        if RUNS[name] is None:
            automl = AutoMLClassifier(time_budget=args.budget, n_jobs=nj,
                                      random_state=args.seed).fit(Xtr, ytr)
            rows.append({
                "run": f"AutoMLClassifier, {args.budget:g} s", "wall_s":
                time.perf_counter() - start, "test_accuracy": automl.score(Xte, yte),
                "n_trials": automl.n_trials_, "cv_score": automl.best_score_,
                "n_members": len(automl.ensemble_members_),
                "n_params": "", "flops": float("nan"), "epochs": "",
            })
            print(rows[-1], flush=True)
            load.append(os.getloadavg())
            continue
        nas = NASClassifier(**RUNS[name], time_budget=args.budget, n_jobs=nj,
                            random_state=args.seed).fit(Xtr, ytr)
        best = nas.best_estimator_
        rows.append({
            "run": f"NAS {name}, {args.budget:g} s", "test_accuracy": nas.score(Xte, yte),
            "wall_s": time.perf_counter() - start, "n_trials": nas.n_trials_,
            "holdout_score": nas.best_score_, "n_params": best.n_params_,
            "flops": best.flops_, "epochs": best.n_epochs_,
            "latency_us": 1e6 * best.latency_per_sample_,
            "peak_memory_kb": best.peak_memory_ / 1024,
            "arch": {k: v for k, v in nas.best_params_.items()},
        })
        print(rows[-1], flush=True)
        load.append(os.getloadavg())

    commit = git_commit()
    result = {"commit": commit, "budget": args.budget, "seed": args.seed,
              "torch_threads": nj, "loadavg": load, "epoch": epoch, "runs": rows}
    with open(args.out + ".json", "w") as f:
        json.dump(result, f, indent=1, default=str)
    lines = [
        f"# NAS on load_digits (8x8 images), budget {args.budget:g} s, {nj} torch threads",
        "",
        (f"commit {commit}; load average during the runs "
         f"{np.round(np.array(load)[:, 0], 2).tolist()} (1-min)"),
        "",
        "| run | test accuracy | wall s | trials | params | MFLOPs | epochs |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['run']} | {r['test_accuracy']:.4f} | {r['wall_s']:.1f} | "
            f"{r['n_trials']} | {r['n_params']} | {r['flops'] / 1e6:.2f} | {r['epochs']} |"
        )
    lines += ["", "CPU epoch time (1347 training rows, batch 64 CNN / 128 MLP): "
              + ", ".join(f"{k}={v:.4g}" for k, v in epoch.items())]
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
