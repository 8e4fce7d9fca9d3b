"""The search-space language: distributions, conditions, encode/decode."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_automl.space import Categorical, Float, Int, SearchSpace, config_key


@given(
    low=st.floats(1e-6, 1e3), span=st.floats(1.01, 1e4), u=st.floats(0, 1),
    log=st.booleans(),
)
def test_float_decode_stays_in_bounds_and_round_trips(low, span, u, log):
    d = Float(low, low * span, log=log)
    value = d.decode([u])
    assert d.contains(value)
    again = d.decode(d.encode(value))
    assert again == pytest.approx(value, rel=1e-5)


@given(low=st.integers(-50, 50), width=st.integers(0, 500), u=st.floats(0, 1))
def test_int_round_trip_is_exact(low, width, u):
    d = Int(low, low + width + 1)
    value = d.decode([u])
    assert isinstance(value, int) and d.contains(value)
    assert d.decode(d.encode(value)) == value


@given(low=st.integers(1, 20), width=st.integers(1, 2000), u=st.floats(0, 1))
def test_log_int_round_trip_is_exact(low, width, u):
    d = Int(low, low + width, log=True)
    value = d.decode([u])
    assert d.decode(d.encode(value)) == value


def test_int_sampling_covers_both_ends():
    d = Int(1, 3)
    rng = np.random.RandomState(0)
    assert {d.sample(rng) for _ in range(200)} == {1, 2, 3}


def test_categorical_keeps_types_apart():
    c = Categorical([None, True, 1, "1"])
    for v in [None, True, 1, "1"]:
        assert c.decode(c.encode(v)) == v and type(c.decode(c.encode(v))) is type(v)
    assert not c.contains("2")


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda: Float(1, 1), ValueError),
        (lambda: Float(0, 1, log=True), ValueError),
        (lambda: Float("a", 1), TypeError),
        (lambda: Int(0.5, 2), TypeError),
        (lambda: Float(0, 1, default=2), ValueError),
        (lambda: Categorical([]), ValueError),
        (lambda: Categorical(["a", "a"]), ValueError),
    ],
)
def test_bad_distributions(make, error):
    with pytest.raises(error):
        make()


def _space():
    return SearchSpace(
        {
            "family": Categorical(["a", "b"]),
            "a__x": Float(0.1, 10, log=True),
            "a__kind": Categorical(["p", "q"]),
            "a__q_only": Int(1, 5),
            "b__n": Int(1, 100, log=True, default=10),
        },
        conditions={
            "a__x": ("family", ["a"]),
            "a__kind": ("family", ["a"]),
            "a__q_only": ("a__kind", ["q"]),
            "b__n": ("family", ["b"]),
        },
    )


@settings(max_examples=50)
@given(seed=st.integers(0, 2**31 - 1))
def test_space_sample_only_active_and_round_trips(seed):
    space = _space()
    config = space.sample(seed)
    assert space.validate(config) == config
    if config["family"] == "b":
        assert set(config) == {"family", "b__n"}
    elif config["a__kind"] == "p":
        assert "a__q_only" not in config
    decoded = space.decode(space.encode(config))
    assert decoded["family"] == config["family"]
    assert set(decoded) == set(config)


def test_space_default_and_validate_errors():
    space = _space()
    assert space.default({"family": "b"}) == {"family": "b", "b__n": 10}
    with pytest.raises(ValueError, match="'b__n'=1000 is outside"):
        space.validate({"family": "b", "b__n": 1000})
    with pytest.raises(ValueError, match="Unknown parameter"):
        space.validate({"family": "b", "zzz": 1})


def test_space_rejects_bad_definitions():
    with pytest.raises(TypeError, match="must be a Float, Int or Categorical"):
        SearchSpace({"x": (0, 1)})
    with pytest.raises(ValueError, match="must come before"):
        SearchSpace(
            {"x": Float(0, 1), "f": Categorical(["a"])}, conditions={"x": ("f", ["a"])}
        )


def test_config_key_is_stable_and_order_free():
    a = {"family": "a", "a__x": 1.0}
    assert config_key(a) == config_key(dict(reversed(list(a.items()))))
    assert config_key(a) != config_key({"family": "a", "a__x": 1.5})
    assert config_key({"x": np.float64(1.0)}) == config_key({"x": 1.0})
    key = config_key(a)
    assert len(key) == 16 and int(key, 16) >= 0


def test_fingerprint_changes_with_space():
    assert _space().fingerprint() == _space().fingerprint()
    other = SearchSpace({"family": Categorical(["a"])})
    assert other.fingerprint() != _space().fingerprint()
