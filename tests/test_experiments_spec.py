"""Sweep files: validation errors name the key; task ids and seeds depend on identity only."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hardlearn.errors import ParameterError
from hardlearn.experiments import Task, load_spec, parse_spec, run_task, task_kinds

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def base(**over):
    data = {"task": "selftest", "root_seed": 1, "grid": {"x": [1.0, 2.0]}}
    data.update(over)
    return data


def test_every_combination_is_a_trial():
    spec = parse_spec(
        base(
            repetitions=2,
            grid={"x": [1, 2, 3], "sleep": [0, 0.001]},
            learners=[{"name": "a"}, {"name": "b", "params": {"scale": 2}}],
        )
    )
    tasks = spec.tasks()
    assert len(tasks) == 3 * 2 * 2 * 2
    assert len({t.task_id for t in tasks}) == len(tasks)
    assert spec.swept == ("x", "sleep")
    assert spec.fixed["work"] == 0  # defaults are filled in


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"root_seed": 1}, "task is required"),
        ({"task": "nope", "root_seed": 1}, "task must be one of"),
        ({"task": "selftest"}, "root_seed is required"),
        (base(root_seed=-1), "root_seed must be an integer >= 0; got -1"),
        (base(repetitions=0), "repetitions must be an integer >= 1; got 0"),
        (base(budget_seconds=0), "budget_seconds must satisfy 0 < budget_seconds"),
        (base(colour="red"), "colour is not a sweep file key"),
        (base(grid={"y": 1}), "grid.y is not a parameter of task 'selftest'"),
        (base(grid={"x": []}), "grid.x must be a value or a non-empty list"),
        (base(grid={"x": [1, "a"]}), "grid.x[1] must be a real number"),
        (base(grid={"x": [1, 1]}), "grid.x lists a value twice"),
        (base(grid={"sleep": -1}), "grid.sleep must satisfy 0 <= grid.sleep"),
        (base(grid={"fail": 1}), "grid.fail must be true or false; got 1"),
        (base(grid=[1]), "grid must be a table"),
        (base(learners=[{"params": {}}]), "learners[0].name is required"),
        (base(learners=[{"name": "a", "width": 3}]), "learners[0].width is not a learner key"),
        (base(learners=[{"name": "a"}, {"name": "a"}]), "learners[1] repeats learners[0]"),
        (base(learners=[{"name": "a", "params": 3}]), "learners[0].params must be a table"),
    ],
)
def test_invalid_files_name_the_key(data, words):
    with pytest.raises(ParameterError) as info:
        parse_spec(data, source="s.toml")
    assert str(info.value).startswith("sweep file s.toml: ")
    assert words in str(info.value)


def test_load_spec_reports_toml_errors(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("task = \n")
    with pytest.raises(ParameterError, match="is not valid TOML"):
        load_spec(bad)
    with pytest.raises(ParameterError, match="cannot be read"):
        load_spec(tmp_path / "missing.toml")


def test_duplicate_learner_names_get_distinct_labels():
    spec = parse_spec(
        base(learners=[{"name": "a", "params": {"w": 1}}, {"name": "a", "params": {"w": 2}}])
    )
    assert [lr.label for lr in spec.learners] == ["a(w=1)", "a(w=2)"]


def test_resolved_toml_round_trips():
    spec = parse_spec(
        base(name="n", learners=[{"name": "a", "params": {"w": [1, 2], "o": {"k": "v"}}}])
    )
    again = parse_spec(tomllib.loads(spec.to_toml()))
    assert again.digest == spec.digest
    assert [t.task_id for t in again.tasks()] == [t.task_id for t in spec.tasks()]
    assert again.tasks()[0].learner_params == {"o": {"k": "v"}, "w": [1, 2]}


def test_ids_and_seeds_ignore_grid_position_and_budget():
    small = parse_spec(base(grid={"x": [1.0, 2.0]}))
    big = parse_spec(base(grid={"x": [3.0, 2.0, 0.5, 1.0]}, budget_seconds=5))
    ids_small = {t.params["x"]: t.task_id for t in small.tasks()}
    ids_big = {t.params["x"]: t.task_id for t in big.tasks()}
    assert ids_small[1.0] == ids_big[1.0] and ids_small[2.0] == ids_big[2.0]
    values_small = {t.params["x"]: run_task(t).metrics["value"] for t in small.tasks()}
    values_big = {t.params["x"]: run_task(t).metrics["value"] for t in big.tasks()}
    assert values_small[2.0] == values_big[2.0]


def test_identity_includes_learner_repetition_and_root_seed_changes_numbers():
    t = Task("selftest", (("x", 1.0),), learner_name="a", repetition=0, root_seed=1)
    assert t.task_id != Task("selftest", (("x", 1.0),), learner_name="b", root_seed=1).task_id
    assert t.task_id != Task("selftest", (("x", 1.0),), learner_name="a", repetition=1).task_id
    other_root = Task("selftest", (("x", 1.0),), learner_name="a", repetition=0, root_seed=2)
    assert t.task_id == other_root.task_id
    assert t.generator().random() != other_root.generator().random()
    assert t.seed["root_seed"] == 1 and len(t.seed["spawn_key"]) == 4


@settings(max_examples=25, deadline=None)
@given(st.permutations([0.0, 0.25, 0.5, 1.0, 2.0]), st.integers(1, 3))
def test_reordering_the_grid_changes_no_id(values, reps):
    a = parse_spec(base(grid={"x": values}, repetitions=reps))
    b = parse_spec(base(grid={"x": sorted(values)}, repetitions=reps))
    assert {t.task_id for t in a.tasks()} == {t.task_id for t in b.tasks()}


def test_builtin_task_kinds_are_registered():
    assert {"learn", "distinguish", "attack", "threshold", "selftest"} <= set(task_kinds())


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_sweep_files_parse(path):
    spec = load_spec(path)
    assert spec.tasks()


ISSUE_EXAMPLE = """
task = "learn"          # learn | distinguish | attack | threshold
root_seed = 1
repetitions = 3
budget_seconds = 60     # per trial
[grid]                  # a list is swept, a scalar is fixed; every combination is a trial
dim = [8, 16]
freq = [0.25, 1.0]
samples = 20000
noise = 0.01
radius = 8
[[learners]]            # each learner is crossed with the grid
name = "mlp"
params = { width = 256, steps = 2000 }
[[learners]]
name = "mean"
"""


def test_the_documented_file_shape_parses(tmp_path):
    path = tmp_path / "sweep.toml"
    path.write_text(ISSUE_EXAMPLE)
    spec = load_spec(path)
    assert len(spec.tasks()) == 2 * 2 * 2 * 3
    assert spec.swept == ("dim", "freq")
    assert spec.tasks()[0].learner_params == {"steps": 2000, "width": 256}


def test_spellings_of_one_noise_law_share_a_task_id():
    """grid.noise_law is stored in its canonical spelling: "Student-T:5.0" is "student-t:5"."""
    def ids(law):
        return [t.task_id for t in parse_spec({
            "task": "learn", "root_seed": 0,
            "grid": {"dim": 2, "freq": 1.0, "samples": 10, "noise_law": law},
            "learners": [{"name": "mean"}]}).tasks()]

    assert ids("Student-T:5.0") == ids("student-t:5")
    assert ids("laplace") != ids("student-t:5")
    with pytest.raises(ParameterError, match="noise_law.*cauchy"):
        ids("cauchy")
