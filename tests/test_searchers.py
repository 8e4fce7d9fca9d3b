"""GridSearch, BayesianSearch and EvolutionarySearch at their ask/tell interface."""


import pytest

from sklearn_automl.search import GridSearch, SearchExhausted
from sklearn_automl.space import Categorical, Float, Int, SearchSpace, config_key


def _family_space():
    return SearchSpace(
        {
            "family": Categorical(["a", "b", "c"]),
            "a__C": Float(0.1, 10, log=True),
            "a__sel": Categorical([None, "x", "y"]),
            "a__k": Int(1, 3),
            "b__n": Int(1, 100, log=True),
        },
        conditions={
            "a__C": ("family", ["a"]),
            "a__sel": ("family", ["a"]),
            "a__k": ("a__sel", ["x", "y"]),
            "b__n": ("family", ["b"]),
        },
    )


def _drain(searcher):
    configs = []
    while True:
        try:
            configs.append(searcher.ask())
        except SearchExhausted:
            return configs


# ------------------------------------------------------------------ grid
@pytest.mark.parametrize("shuffle", [False, True])
def test_grid_is_exhaustive_conditional_and_sized(shuffle):
    space = _family_space()
    s = GridSearch(space, n_points=3, shuffle=shuffle, random_state=0)
    # a: 3 C values x (None + 2 sel x 3 k) = 21; b: 3 n values; c: 1
    assert s.space_size() == 25
    configs = _drain(s)
    assert s.n_configs_ == 25
    assert len(configs) == 25
    assert len({config_key(c) for c in configs}) == 25
    for c in configs:
        assert space.validate(c) == c  # only active keys, all in range
    b_values = sorted(c["b__n"] for c in configs if c["family"] == "b")
    assert len(b_values) == 3 and b_values[0] == 1 and b_values[-1] == 100
    if shuffle:
        ordered = _drain(GridSearch(space, n_points=3))
        assert [config_key(c) for c in configs] != [config_key(c) for c in ordered]


def test_grid_small_int_ranges_are_complete_and_initial_configs_not_repeated():
    space = SearchSpace({"k": Int(0, 3), "c": Categorical([True, False])})
    s = GridSearch(space, initial_configs=[{"k": 2, "c": False}])
    configs = _drain(s)
    assert len(configs) == 8
    assert configs[0] == {"k": 2, "c": False}
    assert sorted((c["k"], c["c"]) for c in configs) == sorted(
        (k, c) for k in range(4) for c in (True, False)
    )


def test_grid_rejects_bad_n_points():
    with pytest.raises(ValueError, match="n_points"):
        GridSearch(SearchSpace({"x": Float(0, 1)}), n_points=0).ask()
