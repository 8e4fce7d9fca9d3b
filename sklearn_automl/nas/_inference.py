"""Inference-time rewrites of the NAS networks: batch-norm folding.

In inference mode a batch normalization is an affine map per channel, so it
can be folded into the convolution or linear layer next to it: one layer
less to run and the same function up to float rounding. This module imports
only torch; ``export_network`` copies :func:`fold_batch_norm` into the
exported ``inference.py``.
"""

import copy

try:
    import torch
    from torch import nn
    from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval
except ImportError:  # the `nas` extra is not installed
    torch = nn = fuse_conv_bn_eval = fuse_linear_bn_eval = None

__all__ = ["fold_batch_norm"]


def _bn_affine(bn):
    """``(scale, shift)`` of an inference-mode batch norm: ``y = x * scale + shift``."""
    scale = bn.running_var.add(bn.eps).rsqrt()
    if bn.affine:
        scale = scale * bn.weight
    shift = -bn.running_mean * scale
    if bn.affine:
        shift = shift + bn.bias
    return scale, shift


def _fold_into_conv_halves(module):
    """``bn(cat([conv1(x), conv2(x')]))`` (factorized reduce): fold per half."""
    scale, shift = _bn_affine(module.bn)
    start = 0
    for name in ("conv1", "conv2"):
        conv = getattr(module, name)
        end = start + conv.out_channels
        fused = copy.deepcopy(conv)
        fused.weight = nn.Parameter(conv.weight * scale[start:end].reshape(-1, 1, 1, 1))
        bias = shift[start:end]
        if conv.bias is not None:
            bias = bias + conv.bias * scale[start:end]
        fused.bias = nn.Parameter(bias)
        setattr(module, name, fused)
        start = end
    module.bn = nn.Identity()


def _fold_norm_before_linear(norm, linear):
    """``linear(bn(x))`` as one linear map (a pre-normalized residual block)."""
    scale, shift = _bn_affine(norm)
    fused = copy.deepcopy(linear)
    fused.weight = nn.Parameter(linear.weight * scale.reshape(1, -1))
    bias = linear.weight @ shift
    if linear.bias is not None:
        bias = bias + linear.bias
    fused.bias = nn.Parameter(bias)
    return fused


def fold_batch_norm(module):
    """A copy of ``module`` in eval mode with its batch norms folded away.

    Folds a ``BatchNorm2d`` that follows a ``Conv2d`` in a ``Sequential``
    (every operation of the cell space, the stem), the batch norm of a
    factorized reduction into its two convolutions, a ``BatchNorm1d``
    after a ``Linear`` (plain MLP blocks) and a ``BatchNorm1d`` before the
    first ``Linear`` of a pre-normalized residual block. Other modules are
    left as they are. The result computes the same function as
    ``module.eval()`` up to float rounding (the tests bound the difference
    of the outputs by 1e-4 of their scale).

    Read more in the :ref:`User Guide <nas>`.

    Parameters
    ----------
    module : torch.nn.Module

    Returns
    -------
    folded : torch.nn.Module
        A new module (``module`` is not changed), in eval mode.

    Examples
    --------
    >>> import torch
    >>> from sklearn_automl.nas import build_module, fold_batch_norm
    >>> net = build_module({"kind": "cnn", "channels": 8, "n_stages": 1,
    ...                     "cell": (("conv3x3", 0),)}, (1, 8, 8), 3).eval()
    >>> folded = fold_batch_norm(net)
    >>> sum(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    0
    >>> x = torch.randn(4, 1, 8, 8)
    >>> bool(torch.allclose(net(x), folded(x), atol=1e-5))
    True
    """
    module = copy.deepcopy(module).eval()
    with torch.no_grad():
        _fold(module)
    return module


def _fold(module):
    for child in module.children():
        _fold(child)
    if isinstance(module, nn.Sequential):
        layers = list(module)
        for i in range(len(layers) - 1):
            a, b = layers[i], layers[i + 1]
            if isinstance(a, nn.Conv2d) and isinstance(b, nn.BatchNorm2d):
                module[i], module[i + 1] = fuse_conv_bn_eval(a, b), nn.Identity()
                layers = list(module)
    linear, norm = getattr(module, "linear", None), getattr(module, "norm", None)
    if isinstance(linear, nn.Linear) and isinstance(norm, nn.BatchNorm1d):
        # a plain block: linear -> norm
        module.linear, module.norm = fuse_linear_bn_eval(linear, norm), nn.Identity()
    linear1 = getattr(module, "linear1", None)
    if isinstance(linear1, nn.Linear) and isinstance(norm, nn.BatchNorm1d):
        # a pre-normalized residual block: norm -> linear1 (the skip reads x itself)
        module.linear1 = _fold_norm_before_linear(norm, linear1)
        module.norm = nn.Identity()
    if (isinstance(getattr(module, "bn", None), nn.BatchNorm2d)
            and isinstance(getattr(module, "conv1", None), nn.Conv2d)
            and isinstance(getattr(module, "conv2", None), nn.Conv2d)):
        _fold_into_conv_halves(module)
