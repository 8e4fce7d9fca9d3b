"""Distributions of single hyperparameters and the conditional search space.

A search space is plain data: an ordered mapping from parameter names to
distributions, and for some parameters a condition on another parameter's
value. Searchers read it; they never see models or data.

Every distribution maps its values onto ``[0, 1]`` (``encode``) and back
(``decode``) so that vector-based searchers (Gaussian processes, evolution)
can work on any space.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["Categorical", "Distribution", "Float", "Int", "SearchSpace", "config_key"]


class Distribution:
    """Base class of the distributions of one hyperparameter."""

    #: number of entries this distribution takes in an encoded vector
    n_dims = 1

    def sample(self, rng):  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, value):  # pragma: no cover - abstract
        raise NotImplementedError

    def decode(self, vector):  # pragma: no cover - abstract
        raise NotImplementedError

    def contains(self, value):  # pragma: no cover - abstract
        raise NotImplementedError

    def __eq__(self, other):
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))


class _Numeric(Distribution):
    _kind = "float"

    def __init__(self, low, high, *, log=False, default=None):
        if not isinstance(low, numbers.Real) or not isinstance(high, numbers.Real):
            raise TypeError(
                f"{type(self).__name__} bounds must be real numbers, got "
                f"low={low!r}, high={high!r}."
            )
        if not low < high:
            raise ValueError(
                f"{type(self).__name__} needs low < high, got low={low!r}, "
                f"high={high!r}."
            )
        if log and low <= 0:
            raise ValueError(
                f"{type(self).__name__} with log=True needs low > 0, got low={low!r}."
            )
        self.low = low
        self.high = high
        self.log = bool(log)
        if default is not None and not self.contains(default):
            raise ValueError(
                f"default={default!r} lies outside [{low!r}, {high!r}]."
            )
        self.default = default

    def _to_unit(self, value):
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return (math.log(value) - lo) / (hi - lo)
        return (value - self.low) / (self.high - self.low)

    def _from_unit(self, u):
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return math.exp(lo + u * (hi - lo))
        return self.low + u * (self.high - self.low)

    def sample(self, rng):
        return self.decode([rng.uniform()])

    def encode(self, value):
        return [self._to_unit(value)]

    def contains(self, value):
        return (
            isinstance(value, numbers.Real)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def get_default(self):
        if self.default is not None:
            return self.default
        return self.decode([0.5])

    def __repr__(self):
        extra = ", log=True" if self.log else ""
        if self.default is not None:
            extra += f", default={self.default!r}"
        return f"{type(self).__name__}({self.low!r}, {self.high!r}{extra})"


class Float(_Numeric):
    """A real-valued hyperparameter in ``[low, high]``.

    Parameters
    ----------
    low, high : float
        Inclusive bounds.
    log : bool, default=False
        Sample and encode on a log scale (``low`` must be positive).
    default : float, optional
        The value used by a family's default configuration. The centre of
        the (log-)range when omitted.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_automl.space import Float
    >>> d = Float(1e-3, 1e3, log=True)
    >>> d.decode(d.encode(1.0))
    1.0
    """

    def decode(self, vector):
        value = self._from_unit(vector[0])
        # Rounding keeps configs readable and makes encode/decode stable.
        value = float(f"{value:.6g}")
        return min(max(value, self.low), self.high)


class Int(_Numeric):
    """An integer hyperparameter in ``[low, high]`` (inclusive).

    Parameters
    ----------
    low, high : int
        Inclusive bounds.
    log : bool, default=False
        Sample and encode on a log scale.
    default : int, optional
        The value used by a family's default configuration.

    Examples
    --------
    >>> from sklearn_automl.space import Int
    >>> Int(1, 100, log=True).contains(10)
    True
    """

    def __init__(self, low, high, *, log=False, default=None):
        for name, v in (("low", low), ("high", high)):
            if not isinstance(v, numbers.Integral):
                raise TypeError(f"Int {name} must be an integer, got {v!r}.")
        super().__init__(int(low), int(high), log=log, default=default)

    def _to_unit(self, value):
        # Values are the centres of equal-width cells, so decode(encode(v)) == v.
        if self.log:
            lo, hi = math.log(self.low - 0.5 + 1e-9), math.log(self.high + 0.5)
            return (math.log(value) - lo) / (hi - lo)
        return (value - self.low + 0.5) / (self.high - self.low + 1)

    def decode(self, vector):
        u = min(max(float(vector[0]), 0.0), 1.0)
        if self.log:
            lo, hi = math.log(self.low - 0.5 + 1e-9), math.log(self.high + 0.5)
            value = math.exp(lo + u * (hi - lo))
        else:
            value = self.low - 0.5 + u * (self.high - self.low + 1)
        return int(min(max(round(value), self.low), self.high))

    def contains(self, value):
        return (
            isinstance(value, numbers.Integral)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )


class Categorical(Distribution):
    """A choice among a finite set of values.

    Parameters
    ----------
    choices : sequence
        The values (strings, numbers, booleans or ``None``), at least one.
    default : object, optional
        The value used by a family's default configuration; the first
        choice when omitted.

    Examples
    --------
    >>> from sklearn_automl.space import Categorical
    >>> c = Categorical(["gini", "entropy"])
    >>> c.decode(c.encode("entropy"))
    'entropy'
    """

    def __init__(self, choices, *, default=None):
        choices = list(choices)
        if not choices:
            raise ValueError("Categorical needs at least one choice, got [].")
        if len({repr(c) for c in choices}) != len(choices):
            raise ValueError(f"Categorical choices must be distinct, got {choices!r}.")
        self.choices = choices
        if default is not None and not self.contains(default):
            raise ValueError(f"default={default!r} is not one of {choices!r}.")
        self.default = default

    @property
    def n_dims(self):
        return len(self.choices)

    def _index(self, value):
        for i, c in enumerate(self.choices):
            if type(c) is type(value) and c == value:
                return i
            if c is None and value is None:
                return i
        for i, c in enumerate(self.choices):  # 1 == 1.0, np.str_ == str
            if c == value and not isinstance(c, bool) and not isinstance(value, bool):
                return i
        raise ValueError(f"{value!r} is not one of {self.choices!r}.")

    def sample(self, rng):
        return self.choices[rng.randint(len(self.choices))]

    def encode(self, value):
        vec = [0.0] * len(self.choices)
        vec[self._index(value)] = 1.0
        return vec

    def decode(self, vector):
        return self.choices[int(np.argmax(vector[: len(self.choices)]))]

    def contains(self, value):
        try:
            self._index(value)
        except (ValueError, TypeError):
            return False
        return True

    def get_default(self):
        return self.choices[0] if self.default is None else self.default

    def __repr__(self):
        extra = f", default={self.default!r}" if self.default is not None else ""
        return f"Categorical({self.choices!r}{extra})"


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def config_key(config):
    """A stable hash of a configuration, the same in every process.

    Parameters
    ----------
    config : dict
        Parameter names to values.

    Returns
    -------
    key : str
        16 hexadecimal characters.
    """
    items = sorted((str(k), repr(_jsonable(v))) for k, v in config.items())
    payload = json.dumps(items, separators=(",", ":"))
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


class SearchSpace:
    """A conditional space of named hyperparameters.

    Parameters
    ----------
    params : dict of str -> Distribution
        The parameters, in a fixed order (the order of the encoded vector).
    conditions : dict of str -> (str, list), optional
        ``{name: (parent, values)}``: ``name`` is active only when the parent
        is active and takes one of ``values``. Parents must come before their
        children in ``params``.

    Examples
    --------
    >>> from sklearn_automl.space import Categorical, Float, SearchSpace
    >>> space = SearchSpace(
    ...     {"family": Categorical(["a", "b"]), "a__C": Float(0.1, 10, log=True)},
    ...     conditions={"a__C": ("family", ["a"])},
    ... )
    >>> sorted(space.default({"family": "a"}).items())
    [('a__C', 1.0), ('family', 'a')]
    """

    def __init__(self, params, conditions=None):
        self.params = dict(params)
        self.conditions = dict(conditions or {})
        for name, dist in self.params.items():
            if not isinstance(dist, Distribution):
                raise TypeError(
                    f"Parameter {name!r} must be a Float, Int or Categorical, "
                    f"got {dist!r}."
                )
        order = list(self.params)
        for name, (parent, values) in self.conditions.items():
            if name not in self.params or parent not in self.params:
                raise ValueError(
                    f"Condition on {name!r} refers to unknown parameter {parent!r}."
                )
            if order.index(parent) > order.index(name):
                raise ValueError(f"Parent {parent!r} must come before {name!r}.")
        self._slices = {}
        start = 0
        for name, dist in self.params.items():
            self._slices[name] = slice(start, start + dist.n_dims)
            start += dist.n_dims
        self.n_dims = start

    def __repr__(self):
        return f"SearchSpace({len(self.params)} parameters)"

    def __eq__(self, other):
        return (
            isinstance(other, SearchSpace)
            and self.params == other.params
            and self.conditions == other.conditions
        )

    def __hash__(self):
        return hash(self.fingerprint())

    def fingerprint(self):
        """A stable hash of the space's definition (for checkpoints)."""
        payload = repr(
            [(k, repr(v)) for k, v in self.params.items()]
            + sorted((k, repr(v)) for k, v in self.conditions.items())
        )
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]

    def is_active(self, name, config):
        """Whether ``name`` is active given the values in ``config``."""
        cond = self.conditions.get(name)
        if cond is None:
            return True
        parent, values = cond
        if parent not in config or not self.is_active(parent, config):
            return False
        return any(_same(config[parent], v) for v in values)

    def _complete(self, partial, pick):
        config = {}
        for name, dist in self.params.items():
            if not self.is_active(name, config):
                continue
            if name in partial:
                config[name] = partial[name]
            else:
                config[name] = pick(name, dist)
        return config

    def sample(self, random_state=None, fixed=None):
        """Draw a random configuration (only active parameters).

        Parameters
        ----------
        random_state : int, RandomState or None
        fixed : dict, optional
            Values to keep; the rest is sampled.
        """
        rng = check_random_state(random_state)
        return self._complete(fixed or {}, lambda name, dist: dist.sample(rng))

    def default(self, fixed=None):
        """The default configuration, with ``fixed`` values kept."""
        return self._complete(fixed or {}, lambda name, dist: dist.get_default())

    def validate(self, config):
        """Check ``config`` against the space; return it with only active keys.

        Raises
        ------
        ValueError
            Naming the parameter whose value is unknown or out of range.
        """
        unknown = sorted(set(config) - set(self.params))
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {unknown} for this search space; known "
                f"parameters are {sorted(self.params)}."
            )
        out = {}
        for name, dist in self.params.items():
            if not self.is_active(name, out):
                continue
            if name not in config:
                out[name] = dist.get_default()
                continue
            if not dist.contains(config[name]):
                raise ValueError(
                    f"Parameter {name!r}={config[name]!r} is outside {dist!r}."
                )
            out[name] = config[name]
        return out

    def encode(self, config):
        """Encode a configuration as a vector in ``[0, 1]^n_dims``.

        Inactive parameters are encoded as 0 (and one-hot blocks all zero), so
        configurations of different model families are far apart.
        """
        vec = np.zeros(self.n_dims)
        for name, dist in self.params.items():
            if name in config and self.is_active(name, config):
                vec[self._slices[name]] = dist.encode(config[name])
        return vec

    def decode(self, vector):
        """The configuration nearest to ``vector`` (inverse of ``encode``)."""
        vector = np.asarray(vector, dtype=float)
        if vector.shape != (self.n_dims,):
            raise ValueError(
                f"Expected a vector of length {self.n_dims}, got shape {vector.shape}."
            )
        return self._complete(
            {}, lambda name, dist: dist.decode(vector[self._slices[name]])
        )


def _same(a, b):
    if a is None or b is None:
        return a is b
    return type(a) is type(b) and a == b or (
        not isinstance(a, bool) and not isinstance(b, bool) and a == b
    )
