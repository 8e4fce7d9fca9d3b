"""How many trials the architecture cache saves, per strategy (no training).

Each strategy searches the CNN space of 8x8 images behind an
:class:`~sklearn_automl.nas.ArchitectureCache` until ``--n`` distinct
networks were "trained"; a trial's score is a fixed synthetic function of
its network (the zero-cost proxy ``n_params`` squashed, plus the hash of
the architecture key as noise), so that the learning strategies (evolution,
REINFORCE) concentrate as they would on real scores. Reports, per strategy
and seed, the proposals the cache answered (trials saved), as a share of
the networks trained.

    nice -n 19 python benchmarks/nas_cache.py [--n 100] [--seeds 0,1,2]
"""

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _suite import git_commit

from sklearn_automl.nas import (
    ArchitectureCache,
    ReinforceSearch,
    cnn_space,
    count_params,
)
from sklearn_automl.nas._spaces import architecture_key, config_to_params
from sklearn_automl.search import (
    BayesianSearch,
    EvolutionarySearch,
    RandomSearch,
    SearchExhausted,
)

SHAPE = (1, 8, 8)


def score(config):
    params = config_to_params(config)
    arch = {"kind": "cnn", **{k: v for k, v in params.items() if k != "lr"}}
    size = math.log(count_params(arch, SHAPE, 10))
    noise = int(architecture_key(params)[:4], 16) / 65536
    return 1 - 1 / (1 + math.exp(size - 10)) * 0.3 + 0.05 * noise


def make(name, space, seed):
    default = [space.default()]
    if name == "random":
        return RandomSearch(space, initial_configs=default, random_state=seed)
    if name == "bayesian":
        return BayesianSearch(space, initial_configs=default, n_initial=5,
                              random_state=seed)
    if name == "evolutionary":
        return EvolutionarySearch(space, initial_configs=default, population_size=8,
                                  tournament_size=3, random_state=seed)
    return ReinforceSearch(space, initial_configs=default, random_state=seed)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--strategies", default="random,evolutionary,reinforce,bayesian")
    p.add_argument("--out", default="benchmarks/results/nas_cache")
    args = p.parse_args(argv)
    space = cnn_space(SHAPE)
    rows = []
    for name in args.strategies.split(","):
        for seed in map(int, args.seeds.split(",")):
            cache = ArchitectureCache(make(name, space, seed),
                                      key=lambda c: architecture_key(config_to_params(c)))
            trained = 0
            try:
                while trained < args.n:
                    config = cache.ask()
                    cache.tell(config, score(config))
                    trained += 1
            except SearchExhausted:
                pass
            rows.append({"strategy": name, "seed": seed, "trained": trained,
                         "saved": cache.n_cached_})
            print(rows[-1], flush=True)
    lines = [(f"# Trials saved by the architecture cache ({args.n} networks per search, "
             "CNN space of 8x8 images, synthetic scores)"), "",
             (f"commit {git_commit()}; command: `nice -n 19 python benchmarks/nas_cache.py "
             f"--n {args.n} --seeds {args.seeds}`"), "",
             "| strategy | trials saved per seed | mean share of trained |",
             "|---|---|---|"]
    for name in args.strategies.split(","):
        rs = [r for r in rows if r["strategy"] == name]
        share = np.mean([r["saved"] / max(r["trained"], 1) for r in rs])
        lines.append(f"| {name} | {' '.join(str(r['saved']) for r in rs)} | "
                     f"{100 * share:.0f} % |")
    with open(args.out + ".json", "w") as f:
        json.dump(rows, f, indent=1)
    with open(args.out + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
