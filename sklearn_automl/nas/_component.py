"""The ``mlp_net`` family of the AutoML search, as a space Component.

The nas package sits above :mod:`sklearn_automl.space` (it builds its
families from Component and the distributions); the space never imports
nas. The plan layer (:func:`sklearn_automl._plan.default_components`) adds
this family to the built-in ones when the ``nas`` extra is installed.
Importing this module does not import torch.
"""

from __future__ import annotations

from ..space import Categorical, Component, Float, Int
from ._estimators import MLPNetClassifier, MLPNetRegressor

__all__ = ["mlp_net_component"]


def mlp_net_component(task):
    """The tabular network family ``"mlp_net"`` for ``task``.

    Parameters
    ----------
    task : {"classification", "regression"}

    Returns
    -------
    component : Component
    """
    cls = MLPNetClassifier if task == "classification" else MLPNetRegressor
    space = {
        "n_blocks": Int(1, 8, default=2),
        "width": Int(16, 512, log=True, default=128),
        "width_decay": Float(0.5, 1.0, default=1.0),
        "block": Categorical(["plain", "residual"]),
        "activation": Categorical(["relu", "gelu", "silu"]),
        "normalization": Categorical(["batch", "layer", "none"]),
        "dropout": Float(0.0, 0.5, default=0.1),
        "lr": Float(3e-4, 1e-2, log=True, default=3e-3),
        "weight_decay": Float(1e-6, 1e-2, log=True, default=1e-4),
        "batch_size": Categorical([256, 128, 64]),
    }
    # 20 epochs with early stopping keep a 5-fold trial on a mid-size table
    # within a 60-120 s budget on 2 cores; epochs are the fidelity knob
    est = cls(max_epochs=20, early_stopping=5, batch_size=256)
    # Categorical columns reach the net ordinal-coded, for its embeddings, or
    # one-hot or target encoded: a featurizer knob (see Plan.feature_space).
    return Component(
        "mlp_net", est, space, tasks=(task,), encoding="ordinal", scale=True,
        fidelity_param="max_epochs", categorical_param="categorical_features",
        openmp=True,  # torch threads spin like OpenMP ones
    )
