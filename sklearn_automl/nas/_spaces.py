"""The architecture search spaces, as :class:`~sklearn_automl.space.SearchSpace`.

A configuration of these spaces is flat (one entry per decision, so every
searcher of :mod:`sklearn_automl.search` can work on it);
:func:`config_to_params` turns it into constructor parameters of the NAS
estimators.
"""

import hashlib
import math

from ..space import Categorical, Float, Int, SearchSpace
from ._archspec import CELL_OPS, REDUCE_OPS

__all__ = ["architecture_key", "cnn_baseline", "cnn_space", "config_to_params",
           "mlp_space"]

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


def cnn_baseline(input_shape):
    """The fixed baseline of the CNN space: three chained 3x3 convolutions, 32 channels.

    The network a user would write by hand for small images (one stage at
    full resolution, no reduction); the searches propose it first, so that
    a search can only improve on it. It reaches 0.99-1.00 test accuracy on
    ``load_digits`` as 8x8 images (``benchmarks/results/nas_digits.md``).

    Parameters
    ----------
    input_shape : tuple of int
        ``(channels, height, width)`` (only validated against the space).

    Returns
    -------
    decisions : dict
        A configuration of :func:`cnn_space` ``(input_shape)``.

    Examples
    --------
    >>> from sklearn_automl.nas import cnn_baseline, cnn_space
    >>> decisions = cnn_baseline((1, 8, 8))
    >>> decisions["channels"], decisions["n_nodes"]
    (32, 3)
    >>> cnn_space((1, 8, 8)).validate(decisions) == decisions
    True
    """
    decisions = {"channels": 32, "n_stages": 1, "cells_per_stage": 1, "n_nodes": 3,
                 "node0_op": "conv3x3", "node1_op": "conv3x3", "node1_input": 1,
                 "node2_op": "conv3x3", "node2_input": 2, "lr": 3e-3}
    return cnn_space(input_shape).validate(decisions)


def _canonical_cell(cell):
    """The cell as a canonical tree string (the same for every equivalent cell).

    Each node has one input, so a cell is a tree rooted at the cell input
    with operations on its edges, and the cell's output is the sum of its
    leaves. Reordering nodes, or the children of a node, gives the same
    network; an inner ``skip`` node passes its input on unchanged, so its
    children hang from its parent instead.
    """
    parent = {k + 1: int(i) for k, (_, i) in enumerate(cell)}
    op = {k + 1: name for k, (name, _) in enumerate(cell)}
    children = {k: [] for k in range(len(cell) + 1)}
    for k, p in parent.items():
        children[p].append(k)
    # collapse inner skips (deepest first, so chains of skips collapse too)
    for k in sorted(parent, reverse=True):
        if op[k] == "skip" and children[k]:
            p = parent[k]
            for c in children[k]:
                parent[c] = p
            children[p].remove(k)
            children[p].extend(children[k])
            children[k] = []
            del parent[k]

    def tree(k):
        return "(" + ",".join(sorted(op[c] + tree(c) for c in children[k])) + ")"

    return tree(0)


def architecture_key(params):
    """A stable hash of what a trial trains: the same for equivalent networks.

    Two configurations with the same key train the same network with the
    same recipe, so a search trains only one of them (see
    :class:`~sklearn_automl.nas.ArchitectureCache`). Cells are compared as
    trees (:func:`_canonical_cell`: node order and inner ``skip`` nodes do
    not matter); the reduction counts only with more than one stage;
    continuous training parameters (learning rate, weight decay, dropout)
    are rounded to two significant digits.

    Parameters
    ----------
    params : dict
        Constructor parameters of a NAS network (:func:`config_to_params`
        of a configuration of :func:`mlp_space` or :func:`cnn_space`).

    Returns
    -------
    key : str
        16 hexadecimal characters.

    Examples
    --------
    >>> from sklearn_automl.nas import architecture_key
    >>> a = {"channels": 16, "n_stages": 1, "cells_per_stage": 1, "lr": 0.003,
    ...      "cell": (("conv3x3", 0), ("sep_conv3x3", 0)), "reduce_op": "skip"}
    >>> b = dict(a, cell=(("sep_conv3x3", 0), ("conv3x3", 0)), lr=0.0030001)
    >>> architecture_key(a) == architecture_key(b)
    True
    """
    canon = {}
    for name, value in sorted(params.items()):
        if name == "cell":
            value = _canonical_cell(value)
        elif name == "reduce_op" and params.get("n_stages", 1) <= 1:
            continue
        elif isinstance(value, float):
            value = float(f"{value:.2g}")
        elif isinstance(value, (tuple, list)):
            value = tuple(value)
        canon[name] = value
    return hashlib.sha1(repr(sorted(canon.items())).encode()).hexdigest()[:16]
