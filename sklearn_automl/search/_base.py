"""The ask/tell interface every searcher implements.

A searcher proposes configurations of a :class:`~sklearn_automl.space.SearchSpace`
(``ask``) and learns from their scores (``tell``). It knows nothing about
models, data or time: the AutoML loop, or any user code, drives it. Whoever
drives it and owns a clock can ask for cheap proposals by setting
:attr:`Searcher.cheap_proposals`, and whoever allocates the budget among
the values of a top-level parameter (the AutoML engine among model
families) asks for a proposal within one of them: ``ask(fixed=...)``.
"""

from __future__ import annotations

import math
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..space import Categorical, SearchSpace, config_key

__all__ = ["SearchExhausted", "Searcher"]


class SearchExhausted(Exception):
    """Raised by ``ask`` when the space holds no configuration not yet proposed."""


class Searcher(BaseEstimator, metaclass=ABCMeta):
    """Base class of searchers.

    Searchers are configured like estimators (``get_params``/``set_params``,
    ``clone``), hold their state in attributes ending in ``_`` after the first
    ``ask``, and never propose the same configuration twice (a registry
    ``seen_`` of :func:`~sklearn_automl.space.config_key` hashes).
    Configurations asked but not yet told are kept in ``pending_``, so that
    several can be evaluated at once (:meth:`ask_batch`).

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search. The AutoML estimators fill it in for you.
    initial_configs : list of dict, optional
        Configurations to propose first, in order (for example each model
        family's defaults, or a portfolio); then the searcher's own strategy.
    random_state : int, RandomState instance or None, default=None
        Seed of the searcher's randomness.

    Attributes
    ----------
    cheap_proposals : bool, default=False
        When True, the next proposals must be cheap: a searcher with a
        surrogate model (:class:`BayesianSearch`) proposes without fitting
        or optimizing it; searchers without one ignore it. Searchers never
        time themselves: whoever drives the searcher (the AutoML engine,
        which owns the clock) sets and clears it, between proposals. It is
        not a parameter, so ``get_params`` and ``clone`` do not carry it (a
        clone starts with False).
    supports_multi_objective : bool
        Whether :meth:`tell` accepts a tuple of objective values (each
        higher-is-better) instead of one score. A class attribute:
        :class:`RandomSearch` and :class:`GridSearch` (they ignore scores),
        :class:`EvolutionarySearch` (NSGA-II selection) and
        :class:`BayesianSearch` (ParEGO or expected hypervolume
        improvement) do.
    """

    #: Class-level default; set on an instance to request cheap proposals.
    cheap_proposals = False
    #: Whether ``tell`` takes a tuple of objective values (see the docstring).
    supports_multi_objective = False

    def __init__(self, space=None, *, initial_configs=None, random_state=None):
        self.space = space
        self.initial_configs = initial_configs
        self.random_state = random_state

    # -- public interface ---------------------------------------------------
    def ask(self, fixed=None):
        """Propose the next configuration to evaluate.

        Parameters
        ----------
        fixed : dict, optional
            Values of top-level (unconditioned) parameters the proposal must
            take, e.g. ``{"family": "lightgbm"}``: the searcher proposes
            within that sub-space, by its own strategy (queued
            ``initial_configs`` with these values first, in order; those
            without wait for a later ``ask``). ``None``: the whole space.

        Returns
        -------
        config : dict

        Raises
        ------
        SearchExhausted
            When no new configuration remains (in the sub-space of ``fixed``).
        ValueError
            When ``fixed`` names an unknown or conditioned parameter, or a
            value outside its distribution.
        """
        self._ensure_started()
        if fixed is not None:
            return self._ask_fixed(self._check_fixed(fixed))
        while self._queue:
            config = self.space_.validate(self._queue.pop(0))
            if self._register(config):
                self.pending_[config_key(config)] = config
                return config
        config = self._propose()
        if not self._register(config):
            # Strategies retry internally; a duplicate here means none was found.
            raise SearchExhausted("No configuration left that was not proposed already.")
        self.pending_[config_key(config)] = config
        return config

    def _ask_fixed(self, fixed):
        """``ask`` within the sub-space where ``fixed`` holds."""
        for i, queued in enumerate(self._queue):
            config = self.space_.validate(queued)
            if not _matches(config, fixed):
                continue
            del self._queue[i]
            if self._register(config):
                self.pending_[config_key(config)] = config
                return config
            return self._ask_fixed(fixed)  # a duplicate in the queue: look on
        config = self._propose_fixed(fixed)
        if config is None or not _matches(config, fixed) or not self._register(config):
            raise SearchExhausted(
                f"No configuration with {fixed!r} left that was not proposed already."
            )
        self.pending_[config_key(config)] = config
        return config

    def ask_batch(self, n):
        """Propose up to ``n`` configurations at once, for parallel workers.

        Each configuration stays *pending* until it is told; strategies that
        learn from scores take pending configurations into account (the
        Bayesian searcher gives them a constant "lie" as score), so that one
        batch does not hold ``n`` copies of the same idea. Calling :meth:`ask`
        several times before telling has the same effect.

        Parameters
        ----------
        n : int
            Number of configurations wanted, at least 1.

        Returns
        -------
        configs : list of dict
            ``n`` configurations, fewer when the space runs out.

        Raises
        ------
        SearchExhausted
            When not even one new configuration remains.
        """
        if int(n) < 1:
            raise ValueError(f"ask_batch needs n >= 1, got n={n!r}.")
        configs = []
        for _ in range(int(n)):
            try:
                configs.append(self.ask())
            except SearchExhausted:
                if not configs:
                    raise
                break
        return configs

    def tell(self, config, score):
        """Report the score of a configuration returned by :meth:`ask`.

        Parameters
        ----------
        config : dict
        score : float, tuple of float or None
            Higher is better; ``None`` or NaN marks a failed trial. A
            searcher that :attr:`supports_multi_objective` also takes a
            tuple of objective values, each higher-is-better (a cost is
            told as its negative or negative logarithm), in the same order
            for every call.
        """
        if isinstance(score, (tuple, list, np.ndarray)) and not (
            self.supports_multi_objective
        ):
            raise TypeError(
                f"{type(self).__name__} optimizes one score; tell it a float, not "
                f"{type(score).__name__} {score!r}."
            )
        self._ensure_started()
        self.pending_.pop(config_key(config), None)
        self.history_.append((dict(config), score))
        self._observe(config, score)

    def n_proposed(self):
        """How many configurations were proposed so far."""
        return len(getattr(self, "seen_", ()))

    # -- for subclasses -----------------------------------------------------
    @abstractmethod
    def _propose(self):
        """Return a configuration not in ``self.seen_`` (best effort)."""

    def _propose_fixed(self, fixed):
        """Return a configuration of :meth:`subspace` ``(fixed)`` not in
        ``self.seen_`` (best effort; ``None`` when none was found).

        The default draws at random from the sub-space; the searchers of
        this package override it with their own strategy.
        """
        space = self.subspace(fixed)
        for _ in range(100):
            config = space.sample(self.rng_)
            if self._is_new(config):
                return config
        return None

    def _observe(self, config, score):
        """Update the strategy with one result (default: nothing to learn)."""

    def _setup(self):
        """Initialise strategy state; called once before the first proposal."""

    def _is_new(self, config):
        return config_key(config) not in self.seen_

    # -- internals ----------------------------------------------------------
    def _ensure_started(self):
        if hasattr(self, "seen_"):
            return
        if not isinstance(self.space, SearchSpace):
            raise TypeError(
                f"{type(self).__name__} needs a SearchSpace as `space`, got "
                f"{self.space!r}."
            )
        self.space_ = self.space
        self.rng_ = check_random_state(self.random_state)
        self.seen_ = set()
        self.history_ = []
        self.pending_ = {}
        self._queue = [dict(c) for c in (self.initial_configs or [])]
        self._subspaces = {}
        self._setup()

    def _check_fixed(self, fixed):
        if not isinstance(fixed, dict):
            raise TypeError(
                f"fixed must be a dict of parameter values, got {type(fixed).__name__}."
            )
        for name, value in fixed.items():
            if name not in self.space_.params:
                raise ValueError(
                    f"fixed names {name!r}, which is not a parameter of the space; "
                    f"known parameters are {sorted(self.space_.params)}."
                )
            if name in self.space_.conditions:
                raise ValueError(
                    f"fixed may only hold top-level (unconditioned) parameters; "
                    f"{name!r} is conditioned on {self.space_.conditions[name][0]!r}."
                )
            if not self.space_.params[name].contains(value):
                raise ValueError(
                    f"fixed[{name!r}]={value!r} is outside "
                    f"{self.space_.params[name]!r}."
                )
        return dict(fixed)

    def subspace(self, fixed):
        """The space with the parameters of ``fixed`` held at their values.

        Each fixed parameter becomes a one-value :class:`Categorical`, so
        sampling, mutating or enumerating the sub-space yields only
        configurations where ``fixed`` holds (its encoding differs from the
        whole space's: strategies encode with ``space_``).

        Parameters
        ----------
        fixed : dict
            Top-level parameter -> value.

        Returns
        -------
        space : SearchSpace
        """
        self._ensure_started()
        fixed = self._check_fixed(fixed)
        key = config_key(fixed)
        cache = self._subspaces
        if key not in cache:
            params = dict(self.space_.params)
            for name, value in fixed.items():
                params[name] = Categorical([value])
            cache[key] = SearchSpace(params, self.space_.conditions)
        return cache[key]

    def _register(self, config):
        key = config_key(config)
        if key in self.seen_:
            return False
        self.seen_.add(key)
        return True


def _matches(config, fixed):
    """Whether ``config`` takes every value of ``fixed``."""
    return all(
        name in config and config_key({name: config[name]}) == config_key({name: value})
        for name, value in fixed.items()
    )


def _as_score(score):
    """``score`` as a float; NaN for a failed trial (``None``, NaN, inf)."""
    if score is None:
        return float("nan")
    try:
        score = float(score)
    except (TypeError, ValueError):
        return float("nan")
    return score if math.isfinite(score) else float("nan")


def _as_values(score):
    """A told tuple of objective values as a float array; ``None`` when the
    trial failed (``None``, or any value not finite)."""
    if score is None:
        return None
    values = np.asarray(score, dtype=float).reshape(-1)
    return values if values.size and np.isfinite(values).all() else None
