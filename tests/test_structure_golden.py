"""Behaviour unchanged: a tiny sweep of every task kind gives the stored ids and metrics.

The sweeps below run through the public engine (:func:`hardlearn.experiments.run_tasks`, one
sandbox process, learn trials of the MLP batched) and their task ids and metrics are
compared with the numbers stored in :data:`GOLDEN`, which were produced by the code before
the package was reorganised (issue 12). Timings (any metric whose name ends in
``seconds``) and the environment (host, versions) are not compared.

Every parameter of the ``attack`` and ``threshold`` kinds is given explicitly (sample count,
reduction, block size, engine, time limit), so a change of a default elsewhere does not
silently change these trials.

To regenerate the stored numbers after an *intended* change of behaviour (for example new
lattice defaults), run from the repository root::

    PYTHONPATH=src python tests/test_structure_golden.py > /tmp/golden.py

and paste the printed ``GOLDEN = {...}`` over the one at the end of this file; say in the
commit why the numbers changed.
"""

from __future__ import annotations

import importlib.util
import math
import pprint
from typing import Any

import pytest

from hardlearn.experiments import parse_spec, run_tasks

HAS_LATTICE = all(
    importlib.util.find_spec(m) is not None
    for m in ("fpylll", "hardlearn.learners.lattice", "hardlearn.problems.exact")
)

#: Every parameter of the lattice kinds, pinned (no default is relied on).
_LATTICE = {
    "dim": 3,
    "gamma": 0.0,
    "gamma_scale": 2.0,
    "labels": "clwe",
    "samples": 4,
    "algorithm": "lll",
    "block_size": 20,
    "engine": "fpylll",
    "time_limit": 20.0,
}

#: One small sweep per task kind (data as a sweep file would give it).
SWEEPS: dict[str, dict[str, Any]] = {
    "selftest": {
        "task": "selftest",
        "root_seed": 11,
        "repetitions": 2,
        "grid": {"x": [0.5, 1.5], "work": 10},
        "learners": [{"name": "a", "params": {"scale": 2.0}}],
    },
    "learn": {
        "task": "learn",
        "root_seed": 5,
        "repetitions": 2,
        "grid": {"dim": 3, "freq": [0.5, 1.0], "samples": 120, "test_samples": 300},
        "learners": [
            {"name": "mean"},
            {"name": "oracle"},
            {"name": "ridge"},
            {"name": "mlp", "params": {"width": 8, "steps": 15}},
        ],
    },
    "distinguish": {
        "task": "distinguish",
        "root_seed": 7,
        "grid": {"dim": 3, "beta": 0.05, "samples": 80, "trials": 2},
        "learners": [{"name": "mean"}, {"name": "ridge"}],
    },
    "attack": {
        "task": "attack",
        "root_seed": 3,
        "budget_seconds": 120,
        "grid": {**_LATTICE, "noise_bits": [8, 60]},
    },
    "threshold": {
        "task": "threshold",
        "root_seed": 4,
        "budget_seconds": 120,
        "grid": {
            **_LATTICE,
            "bits_low": 4,
            "bits_high": 60,
            "resolution": 8,
            "attempts": 1,
            "required": 1.0,
        },
    },
}


def _comparable(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics without timings."""
    return {k: v for k, v in sorted(metrics.items()) if not k.endswith("seconds")}


def compute(kinds: tuple[str, ...] = tuple(SWEEPS)) -> dict[str, dict[str, Any]]:
    """Run the sweeps of ``kinds`` in one sandbox: ``{kind: {task_id: [status, metrics]}}``."""
    tasks = []
    kind_of = {}
    for kind in kinds:
        for task in parse_spec(SWEEPS[kind], source=kind).tasks():
            tasks.append(task)
            kind_of[task.task_id] = kind
    records = run_tasks(tasks, workers=1)
    out: dict[str, dict[str, Any]] = {k: {} for k in kinds}
    for rec in records:
        out[kind_of[rec.task_id]][rec.task_id] = [rec.status, _comparable(rec.metrics)]
    return {k: dict(sorted(v.items())) for k, v in out.items()}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    if isinstance(a, float | int) and isinstance(b, float | int):
        if isinstance(a, float) and math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-10)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _kinds_here() -> tuple[str, ...]:
    return tuple(k for k in SWEEPS if HAS_LATTICE or k not in ("attack", "threshold"))


@pytest.fixture(scope="module")
def computed() -> dict[str, dict[str, Any]]:
    return compute(_kinds_here())


@pytest.mark.parametrize("kind", tuple(SWEEPS))
def test_sweep_of_every_kind_gives_the_stored_ids_and_metrics(kind, computed):
    if kind not in computed:
        pytest.skip("the lattice attack needs fpylll")
    got, want = computed[kind], GOLDEN[kind]
    assert sorted(got) == sorted(want), "task ids changed"
    for task_id, (status, metrics) in want.items():
        got_status, got_metrics = got[task_id]
        assert got_status == status, (task_id, got_metrics)
        assert sorted(got_metrics) == sorted(metrics), task_id
        for key, value in metrics.items():
            assert _same(got_metrics[key], value), (task_id, key, got_metrics[key], value)


def test_golden_numbers_cover_every_kind_and_succeed_somewhere():
    """The stored numbers are not empty or all failures (they would pin nothing)."""
    assert set(GOLDEN) == set(SWEEPS)
    for kind, trials in GOLDEN.items():
        assert trials, kind
        assert all(status == "ok" for status, _ in trials.values()), kind


if __name__ == "__main__":  # regenerate: see the module docstring
    print("GOLDEN = " + pprint.pformat(compute(), width=96, sort_dicts=True))

# Generated by `python tests/test_structure_golden.py` (see the module docstring).
GOLDEN: dict[str, dict[str, Any]] = {'attack': {'2ff5655c78b3200956f5f38fd421b200': ['ok',
                                                 {'attack_status': 'not_recovered',
                                                  'attempts': 1,
                                                  'correct': False,
                                                  'cosine': None,
                                                  'engine_used': 'fpylll',
                                                  'freq_error': None,
                                                  'freq_found': None,
                                                  'label_bits': 72,
                                                  'lattice_dim': 5,
                                                  'log2_expected_false': 1.5020969247563896,
                                                  'phase_error': None,
                                                  'predicted_scale_bits': 8.6,
                                                  'recovered': False,
                                                  'samples_drawn': 4,
                                                  'samples_used': 4,
                                                  'scale_bits': 8,
                                                  'success': False}],
            'd71002b5030acbc93d5def08df956388': ['ok',
                                                 {'attack_status': 'recovered',
                                                  'attempts': 1,
                                                  'correct': True,
                                                  'cosine': 1.0,
                                                  'engine_used': 'fpylll',
                                                  'freq_error': 2.220446049250313e-16,
                                                  'freq_found': 1.3819765978853418,
                                                  'label_bits': 124,
                                                  'lattice_dim': 5,
                                                  'log2_expected_false': -51.22584618787947,
                                                  'phase_error': 4.440892098500626e-16,
                                                  'predicted_scale_bits': 8.6,
                                                  'recovered': True,
                                                  'samples_drawn': 4,
                                                  'samples_used': 4,
                                                  'scale_bits': 8,
                                                  'success': True}]},
 'distinguish': {'55d183efeb99c02357e6d18d69c2cea8': ['ok',
                                                      {'advantage': 0.0,
                                                       'advantage_hi': 0.6576197724933469,
                                                       'advantage_lo': -0.6576197724933469,
                                                       'beta_used': 0.05,
                                                       'ci_method': 'Newcombe hybrid score '
                                                                    'interval (method 10) from '
                                                                    'Wilson intervals',
                                                       'confidence': 0.95,
                                                       'freq': 1.381976597885342,
                                                       'gamma_used': 3.4641016151377544,
                                                       'holdout_samples': 20,
                                                       'mean_loss_clwe': 0.024582491300975114,
                                                       'mean_loss_null': 0.024829779133122166,
                                                       'noise_law': 'gaussian',
                                                       'noise_used': 0.01,
                                                       'p_clwe_given_clwe': 0.0,
                                                       'p_clwe_given_clwe_hi': 0.6576197724933469,
                                                       'p_clwe_given_clwe_lo': 0.0,
                                                       'p_clwe_given_null': 0.0,
                                                       'p_clwe_given_null_hi': 0.6576197724933469,
                                                       'p_clwe_given_null_lo': 0.0,
                                                       'proportion_ci_method': 'Wilson score '
                                                                               'interval',
                                                       'success': False,
                                                       'threshold': 0.01593333333333333,
                                                       'train_samples': 60,
                                                       'trivial_loss': 0.02093333333333333}],
                 '5b007b11b09a83a9b67add23b450442b': ['ok',
                                                      {'advantage': 0.0,
                                                       'advantage_hi': 0.5734194679697172,
                                                       'advantage_lo': -0.5734194679697172,
                                                       'beta_used': 0.05,
                                                       'ci_method': 'Newcombe hybrid score '
                                                                    'interval (method 10) from '
                                                                    'Wilson intervals',
                                                       'confidence': 0.95,
                                                       'freq': 1.381976597885342,
                                                       'gamma_used': 3.4641016151377544,
                                                       'holdout_samples': 20,
                                                       'mean_loss_clwe': 0.014912222130139444,
                                                       'mean_loss_null': 0.016350260155880956,
                                                       'noise_law': 'gaussian',
                                                       'noise_used': 0.01,
                                                       'p_clwe_given_clwe': 0.5,
                                                       'p_clwe_given_clwe_hi': 0.9054687942657693,
                                                       'p_clwe_given_clwe_lo': 0.09453120573423074,
                                                       'p_clwe_given_null': 0.5,
                                                       'p_clwe_given_null_hi': 0.9054687942657693,
                                                       'p_clwe_given_null_lo': 0.09453120573423074,
                                                       'proportion_ci_method': 'Wilson score '
                                                                               'interval',
                                                       'success': False,
                                                       'threshold': 0.01593333333333333,
                                                       'train_samples': 60,
                                                       'trivial_loss': 0.02093333333333333}]},
 'learn': {'00c01b3ff456d3af0770f521628b41c3': ['ok',
                                                {'advantage': -0.005062104036877013,
                                                 'advantage_hi': 0.09995854972931506,
                                                 'advantage_lo': -0.11008275780306875,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'fit_batch_networks': 4,
                                                 'fit_device': 'cpu',
                                                 'fit_epochs': 15.0,
                                                 'fit_steps': 15,
                                                 'fit_stopped_reason': 'steps',
                                                 'mse': 0.020938793834101598,
                                                 'mse_hi': 0.023126724120897262,
                                                 'mse_lo': 0.018750863547305933,
                                                 'mse_se': 0.0011163114751361653,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}],
           '0d27ef919fc8b28e5c03fcae943ba254': ['ok',
                                                {'advantage': 1.0,
                                                 'advantage_hi': 1.0,
                                                 'advantage_lo': 1.0,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.0,
                                                 'mse_hi': 0.0,
                                                 'mse_lo': 0.0,
                                                 'mse_se': 0.0,
                                                 'success': True,
                                                 'trivial_mse': 0.020831209443852264}],
           '2da52fe3f5fd0eb1f71faf70d30e38b7': ['ok',
                                                {'advantage': -0.017077636712455435,
                                                 'advantage_hi': 0.09812321550083114,
                                                 'advantage_lo': -0.13227848892574223,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.021186957271015446,
                                                 'mse_hi': 0.023586730351580692,
                                                 'mse_lo': 0.0187871841904502,
                                                 'mse_se': 0.0012243965192699205,
                                                 'success': False,
                                                 'trivial_mse': 0.020831209443852264}],
           '3cdd592341f19147b5be3b2c7a324fd0': ['ok',
                                                {'advantage': 0.024102534829185118,
                                                 'advantage_hi': 0.12186148384817086,
                                                 'advantage_lo': -0.07365641418980062,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.020329124492697765,
                                                 'mse_hi': 0.022365561634723134,
                                                 'mse_lo': 0.018292687350672396,
                                                 'mse_se': 0.0010390176340425259,
                                                 'success': False,
                                                 'trivial_mse': 0.020831209443852264}],
           '514f20c756724cc294586a996780aceb': ['ok',
                                                {'advantage': 0.030687819206546618,
                                                 'advantage_hi': 0.13889569459220696,
                                                 'advantage_lo': -0.07752005617911384,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'fit_batch_networks': 4,
                                                 'fit_device': 'cpu',
                                                 'fit_epochs': 15.0,
                                                 'fit_steps': 15,
                                                 'fit_stopped_reason': 'steps',
                                                 'mse': 0.020194003766530275,
                                                 'mse_hi': 0.022448334503731533,
                                                 'mse_lo': 0.017939673029329018,
                                                 'mse_se': 0.0011501898784789574,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}],
           '69ae177ad1e17c8f44b70669e5138437': ['ok',
                                                {'advantage': 1.0,
                                                 'advantage_hi': 1.0,
                                                 'advantage_lo': 1.0,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.0,
                                                 'mse_hi': 0.0,
                                                 'mse_lo': 0.0,
                                                 'mse_se': 0.0,
                                                 'success': True,
                                                 'trivial_mse': 0.02083333333333333}],
           '6b3de68e1f7ecf3bc1476025b1b78f97': ['ok',
                                                {'advantage': 0.04156519461134289,
                                                 'advantage_hi': 0.1539866111476238,
                                                 'advantage_lo': -0.07085622192493801,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.019967391778930352,
                                                 'mse_hi': 0.022309504623436203,
                                                 'mse_lo': 0.0176252789344245,
                                                 'mse_se': 0.0011949774909029653,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}],
           '809f321fa20bfdb66ec01d9db111ba10': ['ok',
                                                {'advantage': 0.06411993536215754,
                                                 'advantage_hi': 0.18158758596179014,
                                                 'advantage_lo': -0.05334771523747506,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.019497501346621714,
                                                 'mse_hi': 0.021944744067447394,
                                                 'mse_lo': 0.017050258625796035,
                                                 'mse_se': 0.001248616168526166,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}],
           '93b640ac7a1cac59f2a7676682cecd92': ['ok',
                                                {'advantage': 1.0,
                                                 'advantage_hi': 1.0,
                                                 'advantage_lo': 1.0,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.0,
                                                 'mse_hi': 0.0,
                                                 'mse_lo': 0.0,
                                                 'mse_se': 0.0,
                                                 'success': True,
                                                 'trivial_mse': 0.020831209443852264}],
           '9cef3677eda3f01218e981f73031b71c': ['ok',
                                                {'advantage': 1.0,
                                                 'advantage_hi': 1.0,
                                                 'advantage_lo': 1.0,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.0,
                                                 'mse_hi': 0.0,
                                                 'mse_lo': 0.0,
                                                 'mse_se': 0.0,
                                                 'success': True,
                                                 'trivial_mse': 0.02083333333333333}],
           'a0016d25b182918c453e9f8d9a58fcc8': ['ok',
                                                {'advantage': -0.08205174818944427,
                                                 'advantage_hi': 0.024595389022090908,
                                                 'advantage_lo': -0.18869888540097923,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'fit_batch_networks': 4,
                                                 'fit_device': 'cpu',
                                                 'fit_epochs': 15.0,
                                                 'fit_steps': 15,
                                                 'fit_stopped_reason': 'steps',
                                                 'mse': 0.0225404465956208,
                                                 'mse_hi': 0.024762035447461538,
                                                 'mse_lo': 0.020318857743780065,
                                                 'mse_se': 0.0011334845279629352,
                                                 'success': False,
                                                 'trivial_mse': 0.020831209443852264}],
           'a5771361398002375b41d6962b6652e8': ['ok',
                                                {'advantage': 0.04067324393418892,
                                                 'advantage_hi': 0.14133267272089867,
                                                 'advantage_lo': -0.05998618485252094,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'fit_batch_networks': 4,
                                                 'fit_device': 'cpu',
                                                 'fit_epochs': 15.0,
                                                 'fit_steps': 15,
                                                 'fit_stopped_reason': 'steps',
                                                 'mse': 0.019983936580698282,
                                                 'mse_hi': 0.022080794224252766,
                                                 'mse_lo': 0.017887078937143797,
                                                 'mse_se': 0.0010698449869968177,
                                                 'success': False,
                                                 'trivial_mse': 0.020831209443852264}],
           'b25bc3661e6486d397391172fc50902d': ['ok',
                                                {'advantage': -0.0007948443506518021,
                                                 'advantage_hi': 0.10024700770796702,
                                                 'advantage_lo': -0.10183669640927051,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.020849892590638575,
                                                 'mse_hi': 0.022954931175193132,
                                                 'mse_lo': 0.018744854006084017,
                                                 'mse_se': 0.001074019013185361,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}],
           'b55b086a2b90316246447df82f428d7f': ['ok',
                                                {'advantage': 0.11474051609436298,
                                                 'advantage_hi': 0.2102417306115265,
                                                 'advantage_lo': 0.01923930157719933,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.018441025721394888,
                                                 'mse_hi': 0.020430431523144187,
                                                 'mse_lo': 0.01645161991964559,
                                                 'mse_se': 0.0010150216113364728,
                                                 'success': True,
                                                 'trivial_mse': 0.020831209443852264}],
           'c49d16fd4613c2c96b1e787079a0d0b1': ['ok',
                                                {'advantage': -0.017548253296857164,
                                                 'advantage_hi': 0.0900366730147335,
                                                 'advantage_lo': -0.12513317960844783,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.021196760783652867,
                                                 'mse_hi': 0.023437884916651025,
                                                 'mse_lo': 0.01895563665065471,
                                                 'mse_se': 0.0011434516912942573,
                                                 'success': False,
                                                 'trivial_mse': 0.020831209443852264}],
           'cdfdb87ad154461010a3615a56e144ae': ['ok',
                                                {'advantage': -0.0068047657305985165,
                                                 'advantage_hi': 0.09897673638570414,
                                                 'advantage_lo': -0.11258626784690096,
                                                 'ci_method': 'normal approximation: mean +- z '
                                                              '* sd / sqrt(n)',
                                                 'confidence': 0.95,
                                                 'mse': 0.02097509928605413,
                                                 'mse_hi': 0.023178880580143765,
                                                 'mse_lo': 0.018771317991964492,
                                                 'mse_se': 0.0011243988723633601,
                                                 'success': False,
                                                 'trivial_mse': 0.02083333333333333}]},
 'selftest': {'4d7bebe8f07d782dfb89aa67e1775cc1': ['ok',
                                                   {'advantage': 1.5383528744161161,
                                                    'success': True,
                                                    'value': 0.383528744161162}],
              'b77ac6a0879d9d3099f7f89f5185625e': ['ok',
                                                   {'advantage': 0.49909000483488974,
                                                    'success': False,
                                                    'value': -0.009099951651102289}],
              'c2ac6b48622b6c88a01f823bf5245f08': ['ok',
                                                   {'advantage': 1.1202395852273748,
                                                    'success': False,
                                                    'value': -3.7976041477262528}],
              'd15a1f70bb74ede48baef2e6d76e707b': ['ok',
                                                   {'advantage': 0.4152935583049584,
                                                    'success': False,
                                                    'value': -0.8470644169504158}]},
 'threshold': {'68e092313b2da6195ecfe88d45ab4e7e': ['ok',
                                                    {'attack_timeouts': 0,
                                                     'bits_fail': 20,
                                                     'bits_ok': 28,
                                                     'censored': 'none',
                                                     'converged': True,
                                                     'noise_bits': 28,
                                                     'probe_bits': [60, 4, 28, 12, 20],
                                                     'probe_success': [True,
                                                                       False,
                                                                       True,
                                                                       False,
                                                                       False],
                                                     'probes': 5,
                                                     'success': True,
                                                     'timeout_bits': None}]}}
