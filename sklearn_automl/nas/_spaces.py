"""The architecture search spaces, as :class:`~sklearn_automl.space.SearchSpace`.

A configuration of these spaces is flat (one entry per decision, so every
searcher of :mod:`sklearn_automl.search` can work on it);
:func:`config_to_params` turns it into constructor parameters of the NAS
estimators.
"""

import math

from ..space import Categorical, Float, Int, SearchSpace
from ._ops import CELL_OPS, REDUCE_OPS

__all__ = ["cnn_space", "config_to_params", "mlp_space"]

MAX_BLOCKS = 8
MAX_NODES = 4
WIDTHS = [32, 64, 128, 256, 512]


def mlp_space(max_blocks=MAX_BLOCKS):
    """The tabular space: a stack of 1 to ``max_blocks`` plain or residual blocks.

    Decisions: depth, the width of each block, block type, activation,
    normalization, dropout, and AdamW's learning rate and weight decay.

    Returns
    -------
    space : SearchSpace
    """
    params = {"n_blocks": Int(1, max_blocks, default=2)}
    conditions = {}
    for k in range(max_blocks):
        params[f"width_{k}"] = Categorical(WIDTHS, default=128)
        if k:
            conditions[f"width_{k}"] = ("n_blocks", list(range(k + 1, max_blocks + 1)))
    params.update(
        block=Categorical(["plain", "residual"]),
        activation=Categorical(["relu", "gelu", "silu"]),
        normalization=Categorical(["batch", "layer", "none"]),
        dropout=Float(0.0, 0.5, default=0.1),
        lr=Float(3e-4, 1e-2, log=True, default=3e-3),
        weight_decay=Float(1e-6, 1e-2, log=True, default=1e-4),
    )
    return SearchSpace(params, conditions)


def cnn_space(input_shape, max_nodes=MAX_NODES):
    """The cell-based CNN space for images of ``input_shape``.

    Decisions: first-stage channels, number of stages (as many as the image
    size allows, up to 3), normal cells per stage, the normal cell (1 to
    ``max_nodes`` nodes, each an operation of :data:`CELL_OPS` on the cell
    input or an earlier node), the reduction operation, and the learning
    rate.

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)``.

    Returns
    -------
    space : SearchSpace
    """
    side = min(input_shape[1:])
    max_stages = max(1, min(3, 1 + int(math.log2(max(side, 1) / 2)))) if side >= 4 else 1
    params = {
        "channels": Categorical([8, 16, 24, 32, 48], default=16),
        "n_stages": Categorical(list(range(1, max_stages + 1)),
                                default=min(2, max_stages)),
        "cells_per_stage": Categorical([1, 2]),
        "n_nodes": Categorical(list(range(1, max_nodes + 1)), default=2),
    }
    conditions = {}
    for k in range(max_nodes):
        params[f"node{k}_op"] = Categorical(list(CELL_OPS))
        if k:
            params[f"node{k}_input"] = Categorical(list(range(k + 1)), default=k)
            active = list(range(k + 1, max_nodes + 1))
            conditions[f"node{k}_op"] = ("n_nodes", active)
            conditions[f"node{k}_input"] = ("n_nodes", active)
    if max_stages > 1:
        params["reduce_op"] = Categorical(list(REDUCE_OPS))
        conditions["reduce_op"] = ("n_stages", list(range(2, max_stages + 1)))
    params["lr"] = Float(1e-3, 1e-2, log=True, default=3e-3)
    return SearchSpace(params, conditions)


def config_to_params(config):
    """Constructor parameters of the NAS estimator for a configuration."""
    if "n_blocks" in config:
        n = config["n_blocks"]
        params = {k: v for k, v in config.items() if not k.startswith("width_")}
        params["width"] = tuple(int(config[f"width_{k}"]) for k in range(n))
        return params
    n = config["n_nodes"]
    cell = [(config["node0_op"], 0)]
    cell += [(config[f"node{k}_op"], int(config[f"node{k}_input"])) for k in range(1, n)]
    params = {k: config[k] for k in ("channels", "n_stages", "cells_per_stage", "lr")}
    params["cell"] = tuple(cell)
    params["reduce_op"] = config.get("reduce_op", "factorized_reduce")
    return params
