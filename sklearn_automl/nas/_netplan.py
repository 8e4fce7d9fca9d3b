"""The plan of a NAS search and the search's helpers around it.

:class:`NetPlan` is what the engine's search loop needs of a NAS search (as
:class:`~sklearn_automl._plan.Plan` is for the AutoML): one family of
networks over an architecture space, configuration -> unfitted network,
epochs as the fidelity. It also sets the learning-curve target of each
trial's network. ``_ProxyScore`` and ``_CurveTarget`` connect the
searchers of :mod:`._screening` to the data and to the scores.
"""

import math
from typing import ClassVar

import numpy as np

from ..search import Searcher, SearchExhausted
from ..space import Categorical, SearchSpace, config_key
from ..space._components import Component
from ._estimators import image_batch
from ._proxies import zero_cost_proxies
from ._spaces import architecture_key, config_to_params
from ._training import torch_threads

__all__ = ["AUTO_PROXY", "NetPlan"]

#: the proxy that screens random proposals of the CNN space with proxy="auto": the
#: best mean pick accuracy over digits and hard_digits (benchmarks/nas_proxies.py)
AUTO_PROXY = "synflow"
#: rows of the minibatch the zero-cost proxies look at
PROXY_BATCH = 64


class _ArchitectureKey:
    """``config -> architecture_key`` of the network a ``family`` configuration trains.

    Holds the family's name only (no plan): the architecture cache of a
    fitted search keeps it, and a key that referred back to the plan would
    make a reference cycle (plan -> curve target -> cache -> plan) that
    skops cannot store.
    """

    def __init__(self, family):
        self.family = family

    def __call__(self, config):
        return architecture_key(_model_params(self.family, config))


def _model_params(family, config):
    """A ``family`` configuration as constructor parameters of the network."""
    prefix = f"{family}__"
    decisions = {k[len(prefix):]: v for k, v in config.items() if k.startswith(prefix)}
    return config_to_params(decisions)


class _ProxyScore:
    """``config -> zero-cost proxy`` of its untrained network on one minibatch.

    Holds the minibatch (at most :data:`PROXY_BATCH` standardized training
    rows) and the network template, not the plan; :meth:`release` drops
    them once the search is over, so that a fitted search holds no training
    data.
    """

    def __init__(self, plan, X, y, proxy, classifier, input_shape, seed):
        rng = np.random.RandomState(seed)
        rows = rng.choice(len(X), min(PROXY_BATCH, len(X)), replace=False)
        Xb = image_batch(X[rows], input_shape) if plan.family == "cnn_net" else X[rows]
        axes = (0,) if Xb.ndim == 2 else (0, 2, 3)
        scale = Xb.std(axis=axes, keepdims=True)
        self.X = ((Xb - Xb.mean(axis=axes, keepdims=True))
                  / np.where(scale > 1e-12, scale, 1.0)).astype(np.float32)
        if classifier:
            self.y = np.searchsorted(np.unique(y), np.asarray(y)[rows])
        else:
            yb = np.asarray(y, dtype=np.float64)[rows].reshape(len(rows), -1)
            std = yb.std(0)
            self.y = (yb - yb.mean(0)) / np.where(std > 1e-12, std, 1.0)
        self.component = plan.components[plan.family]
        self.family, self.input_shape = plan.family, plan.input_shape
        self.n_outputs = plan.n_outputs
        self.proxy, self.seed = proxy, seed
        self.task = "classification" if classifier else "regression"

    def release(self):
        """Drop the minibatch and the template: the search is over."""
        self.X = self.y = self.component = None

    def __call__(self, config):
        if self.X is None:
            raise RuntimeError("the proxy's minibatch was released when the search ended.")
        net = self.component.build(_model_params(self.family, config))
        with torch_threads(None):
            return zero_cost_proxies(
                net.architecture(), self.X, self.y, input_shape=self.input_shape,
                n_outputs=self.n_outputs, task=self.task, proxies=(self.proxy,),
                random_state=self.seed,
            )[self.proxy]


class _CurveTarget:
    """The ``curve_target`` of a network built for ``config``.

    A trial (a configuration the searcher proposed and has not been told)
    gets the best score so far, ``-inf`` before there is one (so that every
    trial holds out the same validation rows); anything else (the refit)
    gets None: no curve, all rows.
    """

    def __init__(self, cache):
        self.cache = cache

    def __call__(self, config):
        cache = self.cache
        if config_key(config) not in getattr(cache, "pending_", {}):
            return None
        scores = [v for v in getattr(cache, "scores_", {}).values() if np.isfinite(v)]
        return max(scores) if scores else -math.inf


class NetPlan:
    """The plan of a NAS search: one family of networks over an architecture space.

    A configuration is ``{"family": name, "<name>__<decision>": value}``;
    :meth:`build` gives the network itself (no featurizer: the networks
    standardize their input), with ``max_epochs`` as the fidelity knob
    (a trial at fidelity ``f`` trains ``round(f * epochs)`` epochs on all
    its training rows).

    Parameters
    ----------
    family : str
    estimator : estimator
        The network template (``max_epochs`` set to a full trial's epochs).
    arch_space : SearchSpace
        The unprefixed architecture space (:func:`mlp_space`, :func:`cnn_space`).
    task : {"classification", "regression"}
    """

    kinds: ClassVar[dict] = {}

    def __init__(self, family, estimator, arch_space, task, *, baseline=None,
                 input_shape=None, n_outputs=None):
        self.family = family
        self.task = task
        self.baseline = baseline
        self.input_shape = input_shape
        self.n_outputs = n_outputs
        #: ``curve_target(config) -> float or None`` of a trial's network
        self.curve_target = None
        self.components = {family: Component(
            family, estimator, {}, tasks=(task,), scale=False,
            fidelity_param="max_epochs",
        )}
        self.arch_space = arch_space
        prefix = f"{family}__"
        params = {"family": Categorical([family])}
        params.update({prefix + k: d for k, d in arch_space.params.items()})
        conditions = {
            prefix + k: (prefix + parent, values)
            for k, (parent, values) in arch_space.conditions.items()
        }
        self.space = SearchSpace(params, conditions)

    def prefixed(self, decisions):
        """An architecture-space configuration as a configuration of :attr:`space`."""
        config = {"family": self.family}
        config.update({f"{self.family}__{k}": v for k, v in decisions.items()})
        return self.space.validate(config)

    def default_configs(self):
        """The fixed baseline (when there is one), then the space's default."""
        configs = [] if self.baseline is None else [self.prefixed(self.baseline)]
        default = self.space.default({"family": self.family})
        return configs + [default] if default not in configs else configs

    def architecture_key(self, config):
        """:func:`architecture_key` of the network ``config`` trains."""
        return architecture_key(self.model_params(config))

    def key_function(self):
        """``config -> architecture_key``, a callable that does not refer to the plan."""
        return _ArchitectureKey(self.family)

    def model_params(self, config):
        """``config`` as constructor parameters of the network."""
        return _model_params(self.family, config)

    def fidelity_split(self, config, fidelity):
        """``(row_fraction, epoch_fraction)``: fidelity is epochs, rows stay whole."""
        return 1.0, min(float(fidelity), 1.0)

    @staticmethod
    def n_folds_at(fidelity, n_folds):
        """One holdout: every fidelity is scored on it."""
        return n_folds

    def build(self, config, *, random_state=None, n_jobs=None, iteration_fraction=1.0):
        """The unfitted network for ``config``."""
        comp = self.components[self.family]
        model = comp.build(self.model_params(config), random_state=random_state,
                           n_jobs=n_jobs)
        if iteration_fraction < 1:
            full = model.get_params()["max_epochs"]
            model.set_params(max_epochs=max(1, round(full * iteration_fraction)))
        if self.curve_target is not None:
            model.set_params(curve_target=self.curve_target(config))
        return model


class _Fixed(Searcher):
    """Proposes the given configurations, then is exhausted (DARTS' derived cell)."""

    def _propose(self):
        # called only once initial_configs are all proposed
        raise SearchExhausted("every fixed configuration was proposed")
