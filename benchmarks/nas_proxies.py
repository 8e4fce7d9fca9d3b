"""Rank correlation of the zero-cost proxies with trained accuracy.

Samples ``--n`` architectures of the CNN space (seeded; the fixed baseline
and the space default included), computes every proxy of
:func:`sklearn_automl.nas.zero_cost_proxies` on one minibatch of 64
standardized training images, trains each network for ``--epochs`` epochs
(one torch thread, the NAS trial recipe) and scores it on the test split.
Reports, per proxy, Spearman's and Kendall's rank correlation with the test
accuracy, and the screening effect: the mean test accuracy of the
architecture a proxy picks out of random groups of ``--group`` (10,000
groups) against a random pick and the best of the group (the oracle).

    nice -n 19 python benchmarks/nas_proxies.py --task digits --n 30 --epochs 8
    nice -n 19 python benchmarks/nas_proxies.py --task hard_digits --n 20 --epochs 8
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _images import load_task
from _suite import git_commit

from sklearn_automl.nas import (
    CNNNetClassifier,
    cnn_baseline,
    cnn_space,
    zero_cost_proxies,
)
from sklearn_automl.nas._spaces import config_to_params

PROXIES = ("synflow", "grad_norm", "jacob_cov", "naswot", "n_params")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--task", default="digits")
    p.add_argument("--n", type=int, default=30)
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--group", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="benchmarks/results/nas_proxies")
    args = p.parse_args(argv)
    torch.set_num_threads(1)  # as in a trial, and as the NAS computes proxies
    Xtr, Xte, ytr, yte = load_task(args.task)
    shape = (1, *Xtr.shape[1:])
    space = cnn_space(shape)
    rng = np.random.RandomState(args.seed)
    configs = [cnn_baseline(shape), space.default()]
    while len(configs) < args.n:
        configs.append(space.sample(rng))
    # the proxies see what the network sees: standardized images, class indices
    batch = rng.choice(len(Xtr), 64, replace=False)
    xb = Xtr[batch][:, None]
    xb = (xb - Xtr.mean()) / Xtr.std()
    rows = []
    for i, config in enumerate(configs):
        params = config_to_params(config)
        net = CNNNetClassifier(**params, max_epochs=args.epochs, early_stopping=None,
                               device="cpu", n_jobs=1, random_state=0)
        arch = net.architecture()
        t0 = time.perf_counter()
        scores = zero_cost_proxies(arch, xb, ytr[batch], input_shape=shape,
                                   n_outputs=10, proxies=PROXIES)
        proxy_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        net.fit(Xtr, ytr)
        rows.append({"i": i, "params": {k: v for k, v in params.items()},
                     "test_accuracy": float(net.score(Xte, yte)),
                     "train_s": time.perf_counter() - t0, "proxy_s": proxy_s, **scores})
        print(i, rows[-1]["test_accuracy"], round(rows[-1]["train_s"], 1),
              {k: round(v, 3) for k, v in scores.items()}, flush=True)
    acc = np.array([r["test_accuracy"] for r in rows])
    summary = {}
    groups = np.array([rng.choice(len(rows), args.group, replace=False)
                       for _ in range(10000)])
    summary["random pick"] = {"pick_accuracy": float(acc[groups].mean())}
    summary["oracle (best of group)"] = {"pick_accuracy": float(acc[groups].max(1).mean())}
    for name in PROXIES:
        v = np.array([r[name] for r in rows], dtype=float)
        v[~np.isfinite(v)] = -1e300
        rho = spearmanr(v, acc).statistic
        tau = kendalltau(v, acc).statistic
        pick = acc[groups[np.arange(len(groups)), np.argmax(v[groups], axis=1)]].mean()
        summary[name] = {"spearman": float(rho), "kendall": float(tau),
                         "pick_accuracy": float(pick),
                         "mean_proxy_s": float(np.mean([r["proxy_s"] for r in rows]))}
    out = f"{args.out}_{args.task}"
    result = {"commit": git_commit(), "task": args.task, "n": args.n,
              "epochs": args.epochs, "group": args.group, "summary": summary,
              "rows": rows}
    with open(out + ".json", "w") as f:
        json.dump(result, f, indent=1, default=str)
    lines = [(f"# Zero-cost proxies on {args.task}: {args.n} architectures, "
             f"{args.epochs} epochs each"), "",
             (f"commit {result['commit']}; test accuracy range {acc.min():.3f}-"
             f"{acc.max():.3f} (median {np.median(acc):.3f}); pick = mean test "
             f"accuracy of the architecture chosen from random groups of {args.group}"), "",
             "| proxy | Spearman | Kendall | pick accuracy | s per architecture (all five) |",
             "|---|---|---|---|---|"]
    for name, s in summary.items():
        lines.append(f"| {name} | {s.get('spearman', float('nan')):.3f} | "
                     f"{s.get('kendall', float('nan')):.3f} | {s['pick_accuracy']:.4f} | "
                     f"{s.get('mean_proxy_s', float('nan')):.3f} |")
    with open(out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
