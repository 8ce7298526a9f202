"""A task kind that gains a defaulted parameter keeps its trials' ids, seeds and digest."""

from __future__ import annotations

import dataclasses

import pytest

from hardlearn.experiments import parse_spec, run_task
from hardlearn.experiments.framework import Param, TaskKind
from hardlearn.experiments.identity import IDENTITY_AT_DEFAULT, neutral_defaults
from hardlearn.experiments.kinds import BUILTIN_KINDS
from hardlearn.experiments.registry import get_task_kind, register_task_kind
from hardlearn.experiments.store import Store

LEARN = {
    "task": "learn", "root_seed": 5, "repetitions": 2,
    "grid": {"dim": 3, "freq": [0.5, 1.0], "samples": 40, "test_samples": 50},
    "learners": [{"name": "mean"}],
}
SELFTEST = {"task": "selftest", "root_seed": 4, "grid": {"x": [1.0, 2.0]}}


@pytest.fixture
def with_new_param():
    """Register a copy of a built-in kind with one more defaulted parameter; undo after."""
    saved: list[TaskKind] = []

    def add(name: str, param: Param) -> TaskKind:
        old = get_task_kind(name)
        saved.append(old)
        return register_task_kind(dataclasses.replace(old, params=old.params + (param,)))

    yield add
    for kind in saved:
        register_task_kind(kind)


@pytest.mark.parametrize("data", [LEARN, SELFTEST], ids=["learn", "selftest"])
def test_new_defaulted_parameter_keeps_ids_seeds_and_digest(with_new_param, data):
    before = parse_spec(data)
    with_new_param(data["task"], Param("new_knob", "real", 0.5, doc="added later"))
    after = parse_spec(data)
    assert [t.task_id for t in after.tasks()] == [t.task_id for t in before.tasks()]
    assert [t.seed for t in after.tasks()] == [t.seed for t in before.tasks()]
    assert after.digest == before.digest
    # the kind itself sees the default
    assert all(t.params["new_knob"] == 0.5 for t in after.tasks())
    # a value other than the default is a different trial
    other = parse_spec({**data, "grid": {**data["grid"], "new_knob": 0.9}})
    assert not {t.task_id for t in other.tasks()} & {t.task_id for t in before.tasks()}
    # given explicitly at its default, it is the same trial
    same = parse_spec({**data, "grid": {**data["grid"], "new_knob": 0.5}})
    assert [t.task_id for t in same.tasks()] == [t.task_id for t in before.tasks()]


def test_run_directory_resumes_after_a_kind_gains_a_parameter(with_new_param, tmp_path):
    spec = parse_spec(SELFTEST)
    with Store.create(tmp_path, spec) as store:
        for task in spec.tasks():
            store.save(run_task(task))
    with_new_param("selftest", Param("new_flag", "bool", False))
    again = parse_spec(SELFTEST)
    with Store.create(tmp_path, again) as store:  # not refused as a changed sweep
        assert store.done_ids() == {t.task_id for t in again.tasks()}


def test_plugin_kind_follows_the_general_rule():
    def fn(task, rng):
        return {"value": float(task.params["a"]) + float(task.params.get("b", 0.0))}

    plain = TaskKind("idtest_plain", fn, (Param("a", "real"),))
    grown = TaskKind("idtest_plain", fn, (Param("a", "real"), Param("b", "real", 0.0)))
    data = {"task": "idtest_plain", "root_seed": 1, "grid": {"a": [1.0, 2.0]}}
    try:
        register_task_kind(plain)
        ids = [t.task_id for t in parse_spec(data).tasks()]
        register_task_kind(grown)
        assert neutral_defaults(grown) == {"b": 0.0}
        assert [t.task_id for t in parse_spec(data).tasks()] == ids
    finally:
        from hardlearn.experiments import registry

        registry._REGISTRY.pop("idtest_plain", None)


def test_frozen_table_names_only_existing_defaulted_parameters():
    """Each kept name is a defaulted parameter of its built-in kind (no stale entry)."""
    for kind in BUILTIN_KINDS:
        defaulted = {p.name for p in kind.params if not p.required}
        assert IDENTITY_AT_DEFAULT.get(kind.name, frozenset()) <= defaulted, kind.name
