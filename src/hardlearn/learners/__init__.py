"""Learners: every one a scikit-learn regressor (``fit(X, y) -> self``, ``predict(X)``)."""

from __future__ import annotations

from hardlearn.learners.baselines import MeanRegressor, OracleRegressor
from hardlearn.learners.batched import BatchedMLP
from hardlearn.learners.batched_eval import evaluate_learners_batched
from hardlearn.learners.classical import (
    KernelRidgeRegressor,
    RandomFeaturesRegressor,
    RidgeRegressor,
)
from hardlearn.learners.exhaustive import ExhaustiveSearchRegressor
from hardlearn.learners.lattice import LatticeRegressor
from hardlearn.learners.lattice_pl import PiecewiseLinearLatticeRegressor
from hardlearn.learners.mlp import MLPRegressor
from hardlearn.learners.registry import LEARNERS, make_learner
from hardlearn.learners.torch_module import TorchRegressor

__all__: list[str] = [
    "BatchedMLP",
    "evaluate_learners_batched",
    "LEARNERS",
    "ExhaustiveSearchRegressor",
    "KernelRidgeRegressor",
    "LatticeRegressor",
    "MLPRegressor",
    "MeanRegressor",
    "OracleRegressor",
    "PiecewiseLinearLatticeRegressor",
    "RandomFeaturesRegressor",
    "RidgeRegressor",
    "TorchRegressor",
    "make_learner",
]
