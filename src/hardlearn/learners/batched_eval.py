"""Sweep trials of the MLP trained as one batch: which trials may share a batch
(:func:`batch_key`), and :func:`hardlearn.metrics.evaluate_learner` for such a group
(:func:`evaluate_learners_batched`), built on :class:`~hardlearn.learners.batched.BatchedMLP`.

Which hyper-parameters may differ within a batch is the rule of
:mod:`hardlearn.learners._mlp_params` (``SHARED`` equal, ``BATCH_FREE`` free), the same rule
the ``learn`` task kind's ``group_key`` applies to a sweep file.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from hardlearn._rng import as_generator, spawn
from hardlearn._validation import check_int
from hardlearn.errors import ParameterError
from hardlearn.learners._mlp_params import KNOWN, SHARED
from hardlearn.learners.batched import BatchedMLP
from hardlearn.learners.mlp import MLPRegressor

__all__ = ["batch_key", "evaluate_learners_batched"]

#: Least time limit (s) ``evaluate_learners_batched`` passes on when the data draws have
#: used up a network's ``time_limits`` entry: it then stops at its first step. A floor so
#: the limit stays positive, not a measurement.
_MIN_SECONDS = 1e-3


def batch_key(learner: Any, problem: Any, *, train_samples: int) -> tuple[Any, ...] | None:
    """A hashable key shared by trials that :func:`evaluate_learners_batched` can train
    together, or None when ``learner`` cannot be batched (not an ``MLPRegressor``).

    Trials with equal keys have the same ``MLPRegressor`` parameters except those of
    :data:`~hardlearn.learners._mlp_params.BATCH_FREE` (``lr``, ``weight_decay``,
    ``momentum``, ``init_scale``, ``output_scale``, the seed and ``progress``), the same input
    dimension and the same number of training samples. A learner with a parameter
    this module does not know (a newer ``MLPRegressor``) gets None, so it is trained alone.

    Examples
    --------
    >>> from hardlearn import NoisyRegression, PeriodicNeuron
    >>> problem = NoisyRegression(PeriodicNeuron([1.0, 0.0], freq=2.0), noise_std=0.01)
    >>> a = batch_key(MLPRegressor(lr=1e-2), problem, train_samples=100)
    >>> a == batch_key(MLPRegressor(lr=1e-3), problem, train_samples=100)
    True
    >>> batch_key(MLPRegressor(width=8), problem, train_samples=100) == a
    False
    """
    if type(learner) is not MLPRegressor:
        return None
    params = learner.get_params(deep=False)
    if set(params) - KNOWN:
        return None
    return (
        "MLPRegressor",
        tuple((k, params[k]) for k in SHARED),
        int(problem.dim),
        int(train_samples),
    )


class _Trained:
    """A network trained in a batch, presented to ``evaluate_learner`` as its learner.

    ``evaluate_learner`` clones its learner and fits the clone on the data it draws; this
    object clones to itself, and its ``fit`` checks that the data is the data the batch
    trained on (so a change in ``evaluate_learner``'s draws cannot go unnoticed) and keeps
    the trained network. ``predict`` and ``fit_summary`` are the network's.
    """

    def __init__(self, regressor: MLPRegressor, X: np.ndarray, y: np.ndarray) -> None:
        self.regressor = regressor
        self._X, self._y = X, y

    def __sklearn_clone__(self) -> _Trained:
        return self

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {}

    def fit(self, X: np.ndarray, y: np.ndarray) -> _Trained:
        if not (np.array_equal(X, self._X) and np.array_equal(y, self._y)):
            raise ParameterError(
                "evaluate_learners_batched: evaluate_learner drew other training data than "
                "the batch trained on; its random streams changed, so the batched path must "
                "be updated to match (hardlearn.learners.batched_eval)."
            )
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.regressor.predict(X)

    def fit_summary(self) -> dict[str, Any]:
        return self.regressor.fit_summary()


def evaluate_learners_batched(
    learners: Sequence[MLPRegressor],
    problems: Sequence[Any],
    *,
    train_samples: int,
    test_samples: int,
    rngs: Sequence[np.random.Generator | int],
    confidence: float = 0.95,
    return_exceptions: bool = False,
    chunk_size: int | None = None,
    time_limits: Sequence[float | None] | None = None,
) -> list[Any]:
    """:func:`hardlearn.metrics.evaluate_learner` for each ``(learners[i], problems[i],
    rngs[i])``, the networks trained together by :class:`BatchedMLP`.

    Entry ``i`` equals ``evaluate_learner(learners[i], problems[i],
    train_samples=train_samples, test_samples=test_samples, rng=rngs[i])``: the same
    training data, seed, test inputs and keys, and (up to float rounding) the same weights,
    so the same metrics. ``seconds`` and ``fit_train_seconds`` are the network's share of its
    chunk's training time, and one more key, ``fit_batch_networks``, says how many networks
    that chunk trained together. A generator in ``rngs`` ends in the state
    ``evaluate_learner`` leaves it in.

    Parameters
    ----------
    learners : sequence of MLPRegressor
        All with equal :func:`batch_key` (they may differ in ``lr``, ``weight_decay``,
        ``momentum``, ``init_scale``, ``output_scale``, ``rng``).
    problems : sequence of NoisyRegression
        One per learner, all of the same dimension.
    train_samples, test_samples : int
    rngs : sequence of numpy.random.Generator or int
        One per learner: the trial's generator.
    confidence : float, default 0.95
    return_exceptions : bool, default False
        If true, a trial whose evaluation raises gets the exception object in its place
        (the others keep their results); if false the first error is raised.
    chunk_size : int, optional
        Passed to :class:`BatchedMLP`.
    time_limits : sequence of (float or None), optional
        One limit per learner on the wall time from this call to the end of its network's
        training (``BatchedMLP``'s ``network_max_seconds``, less the time the data draws
        took): a network that reaches it stops alone, with ``fit_stopped_reason = "time"``,
        and the others go on.

    Returns
    -------
    list of dict (or exceptions, with ``return_exceptions``)

    Examples
    --------
    >>> from hardlearn import NoisyRegression, PeriodicNeuron
    >>> from hardlearn.metrics import evaluate_learner
    >>> problems = [NoisyRegression(PeriodicNeuron([1.0, 0.0], freq=f), noise_std=0.1)
    ...             for f in (0.5, 1.0)]
    >>> nets = [MLPRegressor(width=8, steps=10, device="cpu") for _ in problems]
    >>> out = evaluate_learners_batched(nets, problems, train_samples=64, test_samples=100,
    ...                                 rngs=[1, 2])
    >>> alone = evaluate_learner(nets[1], problems[1], train_samples=64, test_samples=100,
    ...                          rng=2)
    >>> bool(abs(out[1]["mse"] - alone["mse"]) < 1e-6), out[1]["fit_steps"]
    (True, 10)
    """
    from sklearn.base import clone

    from hardlearn.metrics import evaluate_learner, seed_learner

    called = time.perf_counter()
    learners, problems, rngs = list(learners), list(problems), list(rngs)
    if not (len(learners) == len(problems) == len(rngs)) or not learners:
        raise ParameterError(
            "evaluate_learners_batched needs as many problems and rngs as learners (>= 1); "
            f"got {len(learners)} learners, {len(problems)} problems, {len(rngs)} rngs."
        )
    keys = {batch_key(est, prob, train_samples=train_samples)
            for est, prob in zip(learners, problems, strict=True)}
    if None in keys or len(keys) != 1:
        raise ParameterError(
            "evaluate_learners_batched: all learners must be MLPRegressor with equal "
            "batch_key (same shared parameters, problem dimension and train_samples); got "
            f"{len(keys)} distinct keys."
        )
    train_samples = check_int("train_samples", train_samples, minimum=1)
    # The draws of evaluate_learner, made on a copy of each generator so that the call below
    # makes them again from the same state: data stream, test stream, learner seed.
    estimators, Xs, ys = [], [], []
    for est, prob, rng in zip(learners, problems, rngs, strict=True):
        gen = copy.deepcopy(as_generator(rng))
        data_rng, _test_rng, learner_rng = spawn(gen, 3)
        estimators.append(seed_learner(clone(est), learner_rng))
        X, y = prob.sample(train_samples, rng=data_rng)
        Xs.append(X)
        ys.append(y)
    if time_limits is not None:
        drawn = time.perf_counter() - called
        time_limits = [None if t is None else max(float(t) - drawn, _MIN_SECONDS)
                       for t in time_limits]
    batched = BatchedMLP.from_regressors(estimators, chunk_size=chunk_size,
                                         network_max_seconds=time_limits)
    batched.fit(np.stack(Xs), np.stack(ys))
    results: list[Any] = []
    for i, reg in enumerate(batched.to_regressors()):
        try:
            out = evaluate_learner(
                _Trained(reg, Xs[i], ys[i]), problems[i], train_samples=train_samples,
                test_samples=test_samples, rng=rngs[i], confidence=confidence,
            )
        except Exception as exc:  # one trial's failure is that trial's record
            if not return_exceptions:
                raise
            results.append(exc)
            continue
        out["seconds"] = float(batched.network_seconds_[i])
        chunk = batched.chunking_["chunk_size"]
        out["fit_batch_networks"] = min(chunk, len(learners) - (i // chunk) * chunk)
        results.append(out)
    return results
