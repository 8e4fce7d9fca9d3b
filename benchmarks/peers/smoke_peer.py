"""Smoke test of a peer's virtual environment: import it and fit on 5 rows.

    benchmarks/peers/.venv-flaml/bin/python benchmarks/peers/smoke_peer.py flaml
    benchmarks/peers/.venv-autogluon/bin/python benchmarks/peers/smoke_peer.py autogluon
"""

from __future__ import annotations

import sys
import tempfile
import time

import numpy as np
import pandas as pd


def main(name):
    X = pd.DataFrame({"a": [0.1, 0.5, 0.9, 0.3, 0.7], "b": list("xyxyx")})
    y = np.array([0, 1, 1, 0, 1])
    t0 = time.perf_counter()
    if name == "flaml":
        import flaml
        from flaml import AutoML

        model = AutoML()
        model.fit(X, y, task="classification", time_budget=3, n_jobs=2, verbose=0,
                  estimator_list=["lgbm"], eval_method="holdout", split_ratio=0.4)
        pred = model.predict(X)
        version = flaml.__version__
    elif name == "autogluon":
        import autogluon.tabular as agt

        train = X.assign(label=y)
        with tempfile.TemporaryDirectory() as path:
            predictor = agt.TabularPredictor(label="label", path=path, verbosity=0).fit(
                train, time_limit=30, presets="medium_quality", num_cpus=2, num_gpus=0)
            pred = np.asarray(predictor.predict(X))
        version = agt.__version__
        import torch

        version += f" (torch {torch.__version__})"
    else:
        raise SystemExit(f"unknown peer {name}")
    print(f"{name} {version}: 5-row fit + predict ok in {time.perf_counter() - t0:.1f} s, "
          f"predictions {list(pred)}")


if __name__ == "__main__":
    main(sys.argv[1])
