"""Architectures as plain data: their names, defaults, validation and costs.

The part of the NAS architectures that needs no torch: the operation names
of the cell space, the defaults and :func:`check_architecture` of the two
kinds (see :mod:`._architectures` for the format), and the parameter and
FLOP counts computed from a description alone. The estimators validate
their parameters and the search spaces are built from this module, so
constructing, cloning and searching them does not import torch (seconds);
only ``fit`` does.
"""

import math

#: operations of the cell space that keep the spatial size (normal cells)
CELL_OPS = (
    "conv3x3",
    "conv5x5",
    "sep_conv3x3",
    "dil_conv3x3",
    "max_pool3x3",
    "avg_pool3x3",
    "skip",
    "inv_res3x3",
)
#: operations that may reduce a stage (stride 2, channels doubled)
REDUCE_OPS = (
    "factorized_reduce",
    "conv3x3",
    "sep_conv3x3",
    "max_pool3x3",
    "avg_pool3x3",
    "inv_res3x3",
)
ACTIVATIONS = ("relu", "gelu", "silu")
NORMS = ("batch", "layer", "none")
#: expansion ratio of the inverted residual (MobileNetV2 uses 6; small nets, 3)
INV_RES_EXPANSION = 3


MLP_DEFAULTS = {
    "n_blocks": 2, "width": 128, "width_decay": 1.0, "block": "plain",
    "activation": "relu", "normalization": "batch", "dropout": 0.1, "embeddings": (),
}
CNN_DEFAULTS = {
    "channels": 16, "n_stages": 2, "cells_per_stage": 1,
    "cell": (("conv3x3", 0), ("conv3x3", 1)), "reduce_op": "factorized_reduce",
}


def block_widths(arch):
    """The width of each block of a tabular architecture."""
    width = arch["width"]
    if isinstance(width, (tuple, list)):
        return tuple(int(w) for w in width)
    return tuple(
        max(1, round(width * arch["width_decay"] ** i)) for i in range(arch["n_blocks"])
    )


def check_architecture(arch):
    """Validate an architecture dict; return it completed with defaults.

    Raises
    ------
    ValueError
        Naming the entry that is wrong and what is allowed.
    """
    kind = arch.get("kind")
    if kind == "mlp":
        out = {"kind": "mlp", **MLP_DEFAULTS, **arch}
        n = out["n_blocks"]
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"n_blocks must be an int >= 1, got {n!r}.")
        width = out["width"]
        if isinstance(width, (tuple, list)):
            if len(width) != n or not all(
                isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in width
            ):
                raise ValueError(
                    f"width given per block must hold n_blocks={n} ints >= 1, got "
                    f"{width!r}."
                )
        elif not isinstance(width, int) or isinstance(width, bool) or width < 1:
            raise ValueError(f"width must be an int >= 1 or a tuple of them, got {width!r}.")
        for key, allowed in (("block", ("plain", "residual")),
                             ("activation", ACTIVATIONS), ("normalization", NORMS)):
            if out[key] not in allowed:
                raise ValueError(f"{key} must be one of {allowed}, got {out[key]!r}.")
        if not 0 <= out["dropout"] < 1:
            raise ValueError(f"dropout must be in [0, 1), got {out['dropout']!r}.")
        out["embeddings"] = tuple((int(c), int(n)) for c, n in out["embeddings"])
        if not 0 < out["width_decay"] <= 2:
            raise ValueError(f"width_decay must be in (0, 2], got {out['width_decay']!r}.")
        return out
    if kind == "cnn":
        out = {"kind": "cnn", **CNN_DEFAULTS, **arch}
        for key in ("channels", "n_stages", "cells_per_stage"):
            v = out[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{key} must be an int >= 1, got {v!r}.")
        cell = out["cell"]
        if not isinstance(cell, (tuple, list)) or not cell:
            raise ValueError(f"cell must be a non-empty tuple of (op, input) pairs, got {cell!r}.")
        for k, node in enumerate(cell):
            if (not isinstance(node, (tuple, list)) or len(node) != 2
                    or node[0] not in CELL_OPS or not isinstance(node[1], int)
                    or not 0 <= node[1] <= k):
                raise ValueError(
                    f"cell node {k} must be (op, input) with op in {CELL_OPS} and "
                    f"0 <= input <= {k}, got {node!r}."
                )
        out["cell"] = tuple((str(op), int(i)) for op, i in cell)
        if out["reduce_op"] not in REDUCE_OPS:
            raise ValueError(f"reduce_op must be one of {REDUCE_OPS}, got {out['reduce_op']!r}.")
        return out
    raise ValueError(f"architecture kind must be 'mlp' or 'cnn', got {kind!r}.")


def cell_outputs(cell):
    """Indices (1-based states) of the nodes that no other node reads."""
    read = {i for _, i in cell}
    return [k + 1 for k in range(len(cell)) if k + 1 not in read]


def embedding_dim(size):
    """Width of the embedding of a categorical column with ``size`` codes."""
    return min(16, (size + 1) // 2)


def _n_features(input_shape):
    if isinstance(input_shape, (tuple, list)):
        return int(math.prod(input_shape))
    return int(input_shape)


# ---------------------------------------------------------------- costs
def _norm_params(norm, width):
    return 0 if norm == "none" else 2 * width


def _op_cost(name, c_in, c_out, stride, hw):
    """(parameters, FLOPs, output size) of one cell-space operation."""
    h, w = hw
    ho, wo = (h, w) if stride == 1 else (-(-h // 2), -(-w // 2))
    pix = ho * wo

    def conv(ci, co, k, groups=1):
        macs = co * (ci // groups) * k * k
        return macs, 2 * macs * pix

    if name in ("conv3x3", "conv5x5", "dil_conv3x3"):
        k = 5 if name == "conv5x5" else 3
        p, f = conv(c_in, c_out, k)
        return p + 2 * c_out, f, (ho, wo)
    if name == "sep_conv3x3":
        p1, f1 = conv(c_in, c_in, 3, groups=c_in)
        p2, f2 = conv(c_in, c_out, 1)
        return p1 + p2 + 2 * c_out, f1 + f2, (ho, wo)
    if name in ("max_pool3x3", "avg_pool3x3"):
        if c_in == c_out:
            return 0, 0, (ho, wo)
        p, f = conv(c_in, c_out, 1)
        return p + 2 * c_out, f, (ho, wo)
    if name == "inv_res3x3":
        hid = c_in * INV_RES_EXPANSION
        p1 = c_in * hid
        f1 = 2 * p1 * h * w  # the expansion runs before the stride
        p2, f2 = conv(hid, hid, 3, groups=hid)
        p3, f3 = conv(hid, c_out, 1)
        return p1 + p2 + p3 + 2 * (2 * hid + c_out), f1 + f2 + f3, (ho, wo)
    if name == "skip" and stride == 1 and c_in == c_out:
        return 0, 0, (ho, wo)
    # factorized reduce (and a strided skip)
    return c_in * c_out + 2 * c_out, 2 * c_in * c_out * pix, (ho, wo)


def _costs(arch, input_shape, n_outputs):
    arch = check_architecture(arch)
    if arch["kind"] == "mlp":
        emb = arch["embeddings"]
        d = _n_features(input_shape) - len(emb) + sum(embedding_dim(n) for _, n in emb)
        params = sum(n * embedding_dim(n) for _, n in emb)  # lookups: no FLOPs
        flops = 0
        norm, residual = arch["normalization"], arch["block"] == "residual"
        for w in block_widths(arch):
            if residual:
                params += _norm_params(norm, d) + d * w + w + w * w + w
                params += 0 if d == w else d * w
                flops += 2 * (d * w + w * w + (0 if d == w else d * w))
            else:
                params += d * w + w + _norm_params(norm, w)
                flops += 2 * d * w
            d = w
        if residual:
            params += _norm_params(norm, d)
        return params + d * n_outputs + n_outputs, flops + 2 * d * n_outputs
    c_in, h, w = input_shape
    c = arch["channels"]
    params, flops = c_in * c * 9 + 2 * c, 2 * c_in * c * 9 * h * w
    hw = (h, w)
    for stage in range(arch["n_stages"]):
        if stage:
            p, f, hw = _op_cost(arch["reduce_op"], c, 2 * c, 2, hw)
            params, flops, c = params + p, flops + f, 2 * c
        for _ in range(arch["cells_per_stage"]):
            for op, _ in arch["cell"]:
                p, f, _ = _op_cost(op, c, c, 1, hw)
                params, flops = params + p, flops + f
    return params + c * n_outputs + n_outputs, flops + 2 * c * n_outputs


def count_params(arch, input_shape, n_outputs):
    """Number of trainable parameters of ``arch``, from its description.

    Parameters
    ----------
    arch : dict
        An architecture (see the module docstring).
    input_shape : int or tuple of int
        Features (tabular) or ``(channels, height, width)`` (images).
    n_outputs : int

    Returns
    -------
    n_params : int
    """
    return int(_costs(arch, input_shape, n_outputs)[0])


def estimate_flops(arch, input_shape, n_outputs):
    """Floating-point operations of one forward pass of one sample.

    Counts two operations per multiply-add of the linear and convolution
    layers, which dominate; normalizations, activations, pooling and
    additions are left out.

    Parameters
    ----------
    arch : dict
    input_shape : int or tuple of int
    n_outputs : int

    Returns
    -------
    flops : int
    """
    return int(_costs(arch, input_shape, n_outputs)[1])
