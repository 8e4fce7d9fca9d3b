"""REINFORCE architecture search: an LSTM controller trained by policy gradient.

The controller (Zoph & Le 2017) emits one decision per parameter of the
space, in the space's order, skipping parameters that the decisions so far
leave inactive. At each step an LSTM cell reads the embedding of the
previous decision and a per-parameter head gives the logits of the next
one. After each result the controller takes one policy-gradient step on
``-(score - baseline) * log p(config) - entropy_weight * H``, with the
baseline an exponential moving average of the scores.
"""

import numpy as np

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:  # the `nas` extra is not installed
    torch = nn = F = None

from ..search import Searcher
from ..space import Int
from ._training import require_torch, seeded

__all__ = ["ReinforceSearch"]

#: values a numeric parameter is discretized to when it has more
N_BINS = 8


def _choices(dist):
    """The values the controller chooses a parameter from."""
    if hasattr(dist, "choices"):
        return list(dist.choices)
    if isinstance(dist, Int) and dist.high - dist.low < 2 * N_BINS:
        return list(range(dist.low, dist.high + 1))
    values = [dist.decode([(i + 0.5) / N_BINS]) for i in range(N_BINS)]
    return list(dict.fromkeys(values))


class _Policy(nn.Module if nn is not None else object):
    """LSTM cell, one embedding table and one head per decision."""

    def __init__(self, sizes, hidden):
        super().__init__()
        self.start = nn.Parameter(torch.zeros(1, hidden))
        self.cell = nn.LSTMCell(hidden, hidden)
        self.embed = nn.ModuleList(nn.Embedding(n, hidden) for n in sizes)
        self.heads = nn.ModuleList(nn.Linear(hidden, n) for n in sizes)
        self.hidden = hidden

    def step(self, x, state, index):
        h, c = self.cell(x, state)
        return self.heads[index](h), (h, c)


class ReinforceSearch(Searcher):
    """An LSTM controller that learns which architectures score well.

    Works on any :class:`~sklearn_automl.space.SearchSpace`: categorical
    parameters are chosen among their values, integers with a small range
    among all of them, other numbers among ``8`` evenly spaced values of
    their (log-)range. Scores are the rewards (higher is better); failed
    trials (``None``) do not update the policy.

    Parameters
    ----------
    space : SearchSpace, optional
        The space to search.
    initial_configs : list of dict, optional
        Proposed first; their scores train the controller like its own.
    hidden_size : int, default=32
        Size of the LSTM state and of the decision embeddings.
    learning_rate : float, default=0.05
        Adam step size of the policy update. The advantage is divided by
        the standard deviation of the rewards so far, so the step does not
        depend on the scale of the scores.
    baseline_decay : float, default=0.8
        Decay of the moving-average baseline.
    entropy_weight : float, default=0.01
        Weight of the entropy bonus that keeps the policy exploring.
    max_retries : int, default=50
        Samples tried to find an architecture not proposed before, each at a
        higher softmax temperature (then a random draw).
    random_state : int, RandomState instance or None, default=None
        Seeds the controller's weights and its sampling.

    Attributes
    ----------
    policy_ : torch.nn.Module
        The controller. Pickled (and stored by skops) as plain data: its
        weights, the optimizer's state and the sampling generator's state as
        numpy arrays, rebuilt on loading, so that the loaded searcher goes on
        exactly as the original.
    baseline_ : float or None
        Current moving-average baseline.
    rewards_ : list of float
        The rewards the policy was updated with.

    Examples
    --------
    >>> from sklearn_automl.space import Categorical, SearchSpace
    >>> from sklearn_automl.nas import ReinforceSearch
    >>> space = SearchSpace({"a": Categorical(list(range(6))),
    ...                      "b": Categorical(list(range(6)))})
    >>> s = ReinforceSearch(space, random_state=0)
    >>> for _ in range(30):
    ...     c = s.ask()
    ...     s.tell(c, c["a"] + c["b"])
    >>> max(score for _, score in s.history_)
    10
    """

    def __init__(self, space=None, *, initial_configs=None, hidden_size=32,
                 learning_rate=0.05, baseline_decay=0.8, entropy_weight=0.01,
                 max_retries=50, random_state=None):
        super().__init__(space, initial_configs=initial_configs, random_state=random_state)
        self.hidden_size = hidden_size
        self.learning_rate = learning_rate
        self.baseline_decay = baseline_decay
        self.entropy_weight = entropy_weight
        self.max_retries = max_retries

    def _setup(self):
        require_torch(type(self).__name__)
        self.names_ = list(self.space_.params)
        self.choices_ = [_choices(self.space_.params[n]) for n in self.names_]
        seed = self.rng_.randint(np.iinfo(np.int32).max)
        with seeded(seed, "cpu"):
            self.policy_ = _Policy([len(c) for c in self.choices_], self.hidden_size)
        self.optimizer_ = torch.optim.Adam(self.policy_.parameters(), lr=self.learning_rate)
        self.generator_ = torch.Generator().manual_seed(seed)
        self.baseline_ = None
        self.rewards_ = []

    def __getstate__(self):
        # the controller as plain data (skops stores no torch type): the
        # policy's and Adam's tensors as numpy arrays, the sampling stream as
        # the generator's byte state; __setstate__ rebuilds them
        state = dict(super().__getstate__())  # a copy: the searcher keeps its own
        policy = state.pop("policy_", None)
        if policy is None:
            return state
        optimizer = state.pop("optimizer_")
        generator = state.pop("generator_")
        state["policy_state_"] = {k: v.detach().cpu().numpy().copy()
                                  for k, v in policy.state_dict().items()}
        opt = optimizer.state_dict()["state"]
        state["optimizer_state_"] = [
            {k: v.detach().cpu().numpy().copy() for k, v in opt[i].items()}
            if i in opt else {} for i in range(len(list(policy.parameters())))
        ]
        state["generator_state_"] = generator.get_state().numpy().copy()
        return state

    def __setstate__(self, state):
        state = dict(state)
        policy = state.pop("policy_state_", None)
        adam = state.pop("optimizer_state_", None)
        generator = state.pop("generator_state_", None)
        super().__setstate__(state)
        if policy is None:
            return
        require_torch(type(self).__name__)
        with seeded(0, "cpu"):  # its weights are replaced: leave torch's stream alone
            self.policy_ = _Policy([len(c) for c in self.choices_], self.hidden_size)
        self.policy_.load_state_dict({k: torch.from_numpy(np.array(v))
                                      for k, v in policy.items()})
        self.optimizer_ = torch.optim.Adam(self.policy_.parameters(), lr=self.learning_rate)
        saved = self.optimizer_.state_dict()
        saved["state"] = {i: {k: torch.from_numpy(np.array(v)) for k, v in s.items()}
                          for i, s in enumerate(adam) if s}
        self.optimizer_.load_state_dict(saved)
        self.generator_ = torch.Generator()
        self.generator_.set_state(torch.from_numpy(np.array(generator, dtype=np.uint8)))

    def _run(self, forced=None, temperature=1.0):
        """Sample (or replay ``forced`` indices); return config, log-prob, entropy."""
        h = self.policy_.start
        state = (h, torch.zeros_like(h))
        x, config, logp, entropy = h, {}, 0.0, 0.0
        for index, name in enumerate(self.names_):
            if not self.space_.is_active(name, config):
                continue
            logits, state = self.policy_.step(x, state, index)
            log_probs = torch.log_softmax(logits[0], dim=-1)
            if forced is None:
                probs = torch.softmax(logits[0] / temperature, dim=-1)
                choice = int(torch.multinomial(probs, 1, generator=self.generator_))
            else:
                choice = forced[name]
            config[name] = self.choices_[index][choice]
            logp = logp + log_probs[choice]
            entropy = entropy - (log_probs.exp() * log_probs).sum()
            x = self.policy_.embed[index](torch.tensor([choice]))
        return config, logp, entropy

    def _propose(self):
        # A confident policy keeps proposing architectures already tried: sample
        # it ever hotter, so that the proposal stays near the policy but is new.
        with torch.no_grad():
            for retry in range(self.max_retries):
                config, _, _ = self._run(temperature=1.0 + 0.25 * retry)
                if self._is_new(config):
                    return config
        # the policy keeps proposing known architectures: explore at random
        for _ in range(self.max_retries):
            config = self.space_.sample(self.rng_)
            if self._is_new(config):
                break
        return config

    def _indices(self, config):
        """Index of each active decision of ``config`` (nearest choice for numbers)."""
        out = {}
        for index, name in enumerate(self.names_):
            if name not in config:
                continue
            values, v = self.choices_[index], config[name]
            if v in values:
                out[name] = values.index(v)
            else:  # a number not on the grid (an initial config)
                dist = self.space_.params[name]
                u = dist.encode(v)[0]
                grid = [dist.encode(c)[0] for c in values]
                out[name] = int(np.argmin(np.abs(np.subtract(grid, u))))
        return out

    def _observe(self, config, score):
        if score is None or not np.isfinite(score):
            return
        score = float(score)
        if self.baseline_ is None:
            self.baseline_ = score
        # scores of close architectures differ little (0.97 vs 0.98): scale the
        # advantage by the spread of the rewards so far
        spread = np.std(self.rewards_ + [score]) if self.rewards_ else 0.0
        advantage = (score - self.baseline_) / (spread + 1e-8 if spread > 0 else 1.0)
        _, logp, entropy = self._run(forced=self._indices(config))
        loss = -advantage * logp - self.entropy_weight * entropy
        self.optimizer_.zero_grad()
        loss.backward()
        self.optimizer_.step()
        self.baseline_ = (self.baseline_decay * self.baseline_
                          + (1 - self.baseline_decay) * score)
        self.rewards_.append(score)
