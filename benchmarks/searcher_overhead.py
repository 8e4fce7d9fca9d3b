"""Searcher overhead: ask + tell time after 50, 200 and 1,000 observations.

The space is the real one ``make_plan`` builds for a small mixed table
(numeric and categorical columns, every built-in family with its featurizer
knobs). Each searcher is told ``n`` random configurations with synthetic
scores, then timed over ``--repeat`` ask/tell pairs (the first pair after the
prefill includes the Gaussian process's hyperparameter fit).

    python benchmarks/searcher_overhead.py [--repeat 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

from sklearn_automl._plan import make_plan
from sklearn_automl.search import BayesianSearch, EvolutionarySearch, RandomSearch
from sklearn_automl.space import config_key

SIZES = (50, 200, 1000)


def make_space():
    rng = np.random.RandomState(0)
    n = 200
    X = pd.DataFrame({f"num{i}": rng.normal(size=n) for i in range(8)})
    for i in range(4):
        X[f"cat{i}"] = rng.choice(list("abcde"), size=n)
    return make_plan(X, "classification", None).space


def synthetic_score(space, config):
    """A deterministic score with a family effect and a smooth optimum."""
    vec = space.encode(config)
    rng = np.random.RandomState(int(config_key(config)[:8], 16))
    return float(-np.sum((vec - 0.3) ** 2) + 0.01 * rng.normal())


def measure(make, space, n_obs, repeat):
    searcher = make(space)
    rng = np.random.RandomState(1)
    for _ in range(n_obs):
        config = space.sample(rng)
        searcher.tell(config, synthetic_score(space, config))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        config = searcher.ask()
        searcher.tell(config, synthetic_score(space, config))
        times.append(time.perf_counter() - t0)
    return 1e3 * np.median(times), 1e3 * np.max(times)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    space = make_space()
    searchers = {
        "RandomSearch": lambda s: RandomSearch(s, random_state=0),
        "EvolutionarySearch": lambda s: EvolutionarySearch(s, random_state=0),
        "BayesianSearch": lambda s: BayesianSearch(s, random_state=0),
    }
    lines = [
        "# Searcher overhead (ask + tell)",
        "",
        (f"Space: `make_plan` on a 200 x 12 mixed table: {len(space.params)} parameters, "
        f"{space.n_dims} encoded dimensions. Machine: {platform.machine()}, "
        f"{platform.python_version()}; median (max) over {args.repeat} ask/tell pairs, ms. The max is the\n"
        "first ask after the prefill: a cold fit of the GP hyperparameters (later\n"
        "refits start from the previous values and re-estimate them only when the data grew 10%)."),
        "",
        "| searcher | " + " | ".join(f"{n} obs" for n in SIZES) + " |",
        "|---|" + "---|" * len(SIZES),
    ]
    for name, make in searchers.items():
        cells = []
        for n in SIZES:
            median, worst = measure(make, space, n, args.repeat)
            cells.append(f"{median:.1f} ({worst:.1f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
