"""Searchers around searchers: an architecture cache and zero-cost screening.

Both wrap any :class:`~sklearn_automl.search.Searcher` and are searchers
themselves, so the search loop, the schedulers and the checkpoint see one
searcher. They know nothing about models or data: the cache is given a
function that maps a configuration to the key of the network it trains,
the screening a function that scores a configuration cheaply.
"""

from __future__ import annotations

import math

from ..search import Searcher, SearchExhausted
from ..space import config_key

__all__ = ["ArchitectureCache", "ProxyScreening"]


class _Wrapper(Searcher):
    """A searcher that delegates to ``searcher`` (its space and initial configs)."""

    def __init__(self, searcher=None):
        self.searcher = searcher

    def _ensure_started(self):
        if hasattr(self, "seen_"):
            return
        if not isinstance(self.searcher, Searcher):
            raise TypeError(
                f"{type(self).__name__} wraps a Searcher, got {self.searcher!r}."
            )
        self.searcher._ensure_started()
        self.space_ = self.searcher.space_
        self.seen_ = set()
        self.history_ = []
        self.pending_ = {}
        self._queue = []
        self._setup()

    def _inner_ask(self):
        # the engine asks the outer searcher for cheap proposals; pass it on
        self.searcher.cheap_proposals = self.cheap_proposals
        return self.searcher.ask()

    def _propose(self):  # pragma: no cover - ask is overridden
        raise NotImplementedError

    def tell(self, config, score):
        self._ensure_started()
        self.pending_.pop(config_key(config), None)
        self.history_.append((dict(config), score))
        self.searcher.tell(config, score)
        self._observe(config, score)


class ArchitectureCache(_Wrapper):
    """Never train the same network twice: duplicates get the cached score.

    Every proposal of ``searcher`` is keyed by ``key(config)``; a proposal
    whose key was already scored is told that score at once (the wrapped
    searcher learns from it) and the next proposal is drawn, so only new
    networks reach the search loop. A proposal whose key is still being
    trained waits for that score. Evolution and REINFORCE propose such
    duplicates often: configurations that differ only where it makes no
    difference (node order, an inner ``skip``, a learning rate in the third
    digit: :func:`~sklearn_automl.nas.architecture_key`).

    Read more in the :ref:`User Guide <nas>`.

    Parameters
    ----------
    searcher : Searcher
        The strategy; its ``space`` and ``initial_configs`` are used.
    key : callable
        ``key(config) -> hashable``: equal for configurations that train the
        same network.
    max_duplicates : int, default=100
        Consecutive duplicate proposals after which the space counts as
        exhausted (``SearchExhausted``).

    Attributes
    ----------
    n_cached_ : int
        Proposals answered from the cache (trials saved).
    scores_ : dict
        Key -> score of every network told so far (NaN: failed).

    Examples
    --------
    >>> from sklearn_automl.search import RandomSearch
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.nas import ArchitectureCache
    >>> space = SearchSpace({"x": Float(0, 1)})
    >>> s = ArchitectureCache(RandomSearch(space, random_state=0),
    ...                       key=lambda c: round(c["x"], 1))
    >>> for _ in range(11):
    ...     c = s.ask()
    ...     s.tell(c, c["x"])
    >>> len({round(c["x"], 1) for c, _ in s.history_})  # all 11 rounded values
    11
    >>> s.n_cached_ > 0
    True
    """

    def __init__(self, searcher=None, *, key=None, max_duplicates=100):
        super().__init__(searcher)
        self.key = key
        self.max_duplicates = max_duplicates

    def _setup(self):
        if not callable(self.key):
            raise TypeError(f"ArchitectureCache needs a callable key, got {self.key!r}.")
        self.scores_ = {}
        self.n_cached_ = 0
        self._running = {}  # key -> config being trained
        self._waiting = {}  # key -> duplicate configs to tell when it reports

    def ask(self):
        """The next configuration whose network was not trained yet.

        Returns
        -------
        config : dict

        Raises
        ------
        SearchExhausted
            When the wrapped searcher is, or keeps proposing known networks.
        """
        self._ensure_started()
        for _ in range(self.max_duplicates):
            config = self._inner_ask()
            key = self.key(config)
            if key in self.scores_:
                self.n_cached_ += 1
                score = self.scores_[key]
                self.searcher.tell(config, None if math.isnan(score) else score)
                continue
            if key in self._running:
                self.n_cached_ += 1
                self._waiting.setdefault(key, []).append(config)
                continue
            self._running[key] = config
            self.seen_.add(config_key(config))
            self.pending_[config_key(config)] = config
            return config
        raise SearchExhausted(
            f"{self.max_duplicates} proposals in a row were networks trained already."
        )

    def _observe(self, config, score):
        key = self.key(config)
        score = math.nan if score is None else float(score)
        self.scores_[key] = score
        self._running.pop(key, None)
        for other in self._waiting.pop(key, []):
            self.searcher.tell(other, None if math.isnan(score) else score)


class ProxyScreening(_Wrapper):
    """Draw several proposals, pass on only the one a cheap proxy ranks first.

    Each :meth:`ask` draws ``n_candidates`` configurations from ``searcher``
    and returns the one of highest ``proxy(config)`` (a zero-cost proxy of
    the untrained network, say); the others are dropped: they count as
    proposed, so the wrapped searcher never offers them again, but they are
    not pending. The wrapped searcher's initial configurations pass
    unscreened (a baseline is always tried). Meant for searchers that do not
    learn from their own proposal order (random search): a learning searcher
    would not see why its other proposals were dropped.

    Read more in the :ref:`User Guide <nas>`.

    Parameters
    ----------
    searcher : Searcher
    proxy : callable
        ``proxy(config) -> float``, higher is more promising.
    n_candidates : int, default=8
        Proposals drawn per configuration returned.

    Attributes
    ----------
    n_screened_ : int
        Proposals drawn and dropped.
    proxy_scores_ : list of (dict, float)
        Every candidate scored, with its proxy value.

    Examples
    --------
    >>> from sklearn_automl.search import RandomSearch
    >>> from sklearn_automl.space import Float, SearchSpace
    >>> from sklearn_automl.nas import ProxyScreening
    >>> space = SearchSpace({"x": Float(0, 1)})
    >>> s = ProxyScreening(RandomSearch(space, random_state=0),
    ...                    proxy=lambda c: c["x"], n_candidates=10)
    >>> s.ask()["x"] > 0.7
    True
    """

    def __init__(self, searcher=None, *, proxy=None, n_candidates=8):
        super().__init__(searcher)
        self.proxy = proxy
        self.n_candidates = n_candidates

    def _setup(self):
        if not callable(self.proxy):
            raise TypeError(f"ProxyScreening needs a callable proxy, got {self.proxy!r}.")
        if int(self.n_candidates) < 1:
            raise ValueError(f"n_candidates must be >= 1, got {self.n_candidates!r}.")
        self.n_screened_ = 0
        self.proxy_scores_ = []

    def ask(self):
        """The most promising of ``n_candidates`` new proposals.

        Returns
        -------
        config : dict
        """
        self._ensure_started()
        inner = self.searcher
        if inner._queue:  # initial configurations go first, unscreened
            config = self._inner_ask()
        else:
            candidates = []
            for _ in range(int(self.n_candidates)):
                try:
                    candidates.append(self._inner_ask())
                except SearchExhausted:
                    if not candidates:
                        raise
                    break
            scored = []
            for c in candidates:
                value = float(self.proxy(c))
                self.proxy_scores_.append((c, value))
                scored.append(value if math.isfinite(value) else -math.inf)
            best = max(range(len(candidates)), key=lambda i: (scored[i], -i))
            config = candidates[best]
            for i, c in enumerate(candidates):
                if i != best:
                    inner.pending_.pop(config_key(c), None)
                    self.n_screened_ += 1
        self.seen_.add(config_key(config))
        self.pending_[config_key(config)] = config
        return config
