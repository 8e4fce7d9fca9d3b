"""Multi-objective searchers on cheap synthetic problems: which one for
BayesianSearch (ParEGO or expected hypervolume improvement), and how NSGA-II
and random search compare, at AutoML-sized budgets (40 and 80 evaluations).

Problems (both objectives maximized, as the searchers are told them):

``zdt1``
    ZDT1 on 4 variables in [0, 1] (a convex front), negated.
``automl``
    a conditional mixed space shaped like the AutoML's: ``family`` in
    {linear, boosting, knn} with their own log-scaled parameters; the score
    and the log of the predict latency are smooth functions of them
    (boosting: best score, latency growing with trees and leaves; linear:
    fast, lower score; knn: slow). Told as ``(score, -log10(latency))``.

Hypervolume against a fixed reference per problem, mean and standard
deviation over 5 seeds, and the searcher's mean seconds per ``ask``.

    nice -n 19 python benchmarks/multiobjective_searchers.py \\
        > benchmarks/results/multiobjective_searchers.md
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn_automl.search import BayesianSearch, EvolutionarySearch, RandomSearch
from sklearn_automl.search._pareto import hypervolume
from sklearn_automl.space import Categorical, Float, Int, SearchSpace


def zdt1_space():
    return SearchSpace({f"x{i}": Float(0.0, 1.0) for i in range(4)})


def zdt1(c):
    x = np.array([c[f"x{i}"] for i in range(4)])
    g = 1 + 9 * x[1:].mean()
    return (-x[0], -g * (1 - math.sqrt(x[0] / g)))


def automl_space():
    return SearchSpace(
        {
            "family": Categorical(["linear", "boosting", "knn"]),
            "linear__C": Float(1e-3, 1e3, log=True),
            "boosting__n_trees": Int(10, 1000, log=True),
            "boosting__lr": Float(0.01, 0.3, log=True),
            "boosting__leaves": Int(4, 256, log=True),
            "knn__k": Int(1, 100, log=True),
        },
        conditions={
            "linear__C": ("family", ["linear"]),
            "boosting__n_trees": ("family", ["boosting"]),
            "boosting__lr": ("family", ["boosting"]),
            "boosting__leaves": ("family", ["boosting"]),
            "knn__k": ("family", ["knn"]),
        },
    )


def automl(c):
    f = c["family"]
    if f == "linear":
        score = 0.80 - 0.02 * (math.log10(c["linear__C"]) - 1) ** 2
        latency = 1e-6
    elif f == "boosting":
        t, lr, leaves = c["boosting__n_trees"], c["boosting__lr"], c["boosting__leaves"]
        score = (0.90 - 0.05 * (math.log10(t * lr) - 1.3) ** 2
                 - 0.0025 * (math.log2(leaves) - 5) ** 2)
        latency = 2e-8 * t * math.log2(leaves)
    else:
        k = c["knn__k"]
        score = 0.85 - 0.03 * (math.log10(k) - 1) ** 2
        latency = 1e-4 * (1 + 0.01 * k)
    return (score, -math.log10(latency))


PROBLEMS = {
    "zdt1": (zdt1_space, zdt1, (-1.1, -11.0)),
    "automl": (automl_space, automl, (0.5, -2.0)),
}
SEARCHERS = {
    "random": lambda space, seed: RandomSearch(space, random_state=seed),
    "nsga2": lambda space, seed: EvolutionarySearch(space, population_size=10,
                                                    random_state=seed),
    "parego": lambda space, seed: BayesianSearch(space, random_state=seed),
    "ehvi": lambda space, seed: BayesianSearch(space, multi_objective="ehvi",
                                               random_state=seed),
}


def run(problem, searcher, seed, budgets):
    make_space, f, ref = PROBLEMS[problem]
    s = SEARCHERS[searcher](make_space(), seed)
    told, ask_s = [], 0.0
    hv = {}
    for i in range(max(budgets)):
        t0 = time.perf_counter()
        config = s.ask()
        ask_s += time.perf_counter() - t0
        told.append(f(config))
        s.tell(config, told[-1])
        if i + 1 in budgets:
            hv[i + 1] = hypervolume(np.array(told), ref)
    return hv, ask_s / max(budgets)


def main(budgets=(40, 80), seeds=range(5)):
    print("| problem | searcher | " + " | ".join(f"HV @ {b}" for b in budgets)
          + " | s per ask |")
    print("|---|---|" + "---|" * len(budgets) + "---|")
    for problem in PROBLEMS:
        for name in SEARCHERS:
            results = [run(problem, name, seed, budgets) for seed in seeds]
            cells = []
            for b in budgets:
                v = np.array([hv[b] for hv, _ in results])
                cells.append(f"{v.mean():.4f} ± {v.std():.4f}")
            ask = np.mean([a for _, a in results])
            print(f"| {problem} | {name} | " + " | ".join(cells) + f" | {ask:.4f} |",
                  flush=True)


if __name__ == "__main__":
    main()
