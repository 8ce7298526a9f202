"""MLPRegressor and BatchedMLP check their shared hyper-parameters by one rule, and the sweep's
grouping of MLP trials agrees with what BatchedMLP can batch."""

from __future__ import annotations

import re

import numpy as np
import pytest

from hardlearn._rng import as_generator, int_seed
from hardlearn.errors import ParameterError
from hardlearn.experiments.kinds.learn import group_key
from hardlearn.experiments.spec import parse_spec
from hardlearn.learners import BatchedMLP, MLPRegressor
from hardlearn.learners._mlp_params import BATCH_FREE, DEFAULTS, KNOWN, PER_NETWORK, SHARED

BAD = [
    ("width", 0), ("optimizer", "rmsprop"), ("batch_size", 0), ("steps", 0), ("epochs", 0),
    ("max_seconds", 0.0), ("early_stopping", "yes"), ("validation_fraction", 1.0),
    ("eval_every", 0), ("patience", 0), ("dtype", "float16"), ("device", "tpu"),
    ("lr", 0.0), ("weight_decay", -1.0), ("momentum", 1.0), ("init_scale", -1.0),
    ("output_scale", -1.0),
]


def _message(cls, **params):
    X = np.zeros((16, 2)) if cls is MLPRegressor else np.zeros((2, 16, 2))
    y = np.zeros(16) if cls is MLPRegressor else np.zeros((2, 16))
    with pytest.raises(ParameterError) as info:
        cls(**params).fit(X, y)
    return str(info.value)


def test_the_groups_cover_every_hyper_parameter_of_both_learners():
    mlp = set(MLPRegressor().get_params())
    batched = set(BatchedMLP().get_params())
    assert mlp == set(KNOWN)
    own = {"chunk_size", "block_bytes", "network_max_seconds"}  # BatchedMLP's alone
    assert batched - own == set(SHARED + PER_NETWORK + ("rng",))
    assert {k: getattr(MLPRegressor(), k) for k in DEFAULTS} == dict(DEFAULTS)
    assert {k: getattr(BatchedMLP(), k) for k in DEFAULTS} == dict(DEFAULTS)
    assert {p for p, _ in BAD} == set(SHARED + PER_NETWORK)


@pytest.mark.parametrize("name, value", BAD)
def test_both_learners_refuse_a_bad_value_with_the_same_rule(name, value):
    alone = _message(MLPRegressor, **{name: value})
    batch = _message(BatchedMLP, **{name: value})
    assert alone.startswith(f"MLPRegressor.{name}")
    assert batch.startswith(f"BatchedMLP.{name}")
    assert alone.replace("MLPRegressor", "L") == batch.replace("BatchedMLP", "L")


def _key(**params):
    spec = parse_spec({"task": "learn", "root_seed": 0,
                       "grid": {"dim": 4, "freq": 0.5, "samples": 100},
                       "learners": [{"name": "mlp", "params": params}]})
    return group_key(spec.tasks()[0])


@pytest.mark.parametrize("name, value", [("lr", 0.1), ("momentum", 0.5), ("rng", 3),
                                         ("random_state", 4), ("progress", True)])
def test_the_sweep_groups_trials_that_differ_only_where_a_batch_may(name, value):
    assert name in BATCH_FREE
    assert _key(**{"width": 8, name: value}) == _key(width=8)


@pytest.mark.parametrize("name, value", [("width", 16), ("steps", 7), ("dtype", "float64")])
def test_the_sweep_keeps_apart_trials_that_differ_in_a_shared_parameter(name, value):
    assert name in SHARED
    assert _key(**{"width": 8, name: value}) != _key(width=8)


def test_one_seed_rule():
    for seed in (0, 7, np.int64(9)):
        assert as_generator(seed).random() == as_generator(seed, none_is_zero=True).random()
        assert int_seed(seed) == int(seed)
    assert as_generator(None, none_is_zero=True).random() == np.random.default_rng(0).random()
    assert int_seed(None) == 0
    for bad in (-1, 2.5, 4.0, True, "1"):
        with pytest.raises(ParameterError, match=re.escape("seed must be a non-negative int")):
            int_seed(bad, name="seed")
        with pytest.raises(ParameterError, match="seed must be a non-negative int seed"):
            as_generator(bad, name="seed", none_is_zero=True)
    with pytest.raises(ParameterError, match="rng must be a numpy.random.Generator"):
        as_generator(None)
