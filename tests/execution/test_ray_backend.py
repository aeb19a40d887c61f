"""The Ray judge backend on a local Ray instance: the same verdicts as the local judge, and
an actor killed mid-batch loses nothing (its jobs go to another actor)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from coderl.execution import Submission, Verdict
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.problems import Problem, load_problems

from .conftest import FAST_LIMITS

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[None]:
    """One local Ray instance for the module (starting one costs seconds)."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def humaneval() -> list[Problem]:
    problems = list(load_problems("humaneval").problems)
    assert len(problems) == 164
    return problems


def canonical_and_wrong(problems: list[Problem], slow: bool = False) -> list[Submission]:
    """Each problem's canonical solution (sample 0) and a wrong program (sample 1); ``slow``
    makes each take a moment of wall time, so that a batch is still running when an actor
    is killed."""
    delay = "import time\ntime.sleep(0.2)\n" if slow else ""
    submissions = []
    for problem in problems:
        body = problem.solutions[0][len(problem.code_prefix) :]
        for index, completion in enumerate((body, "    return None\n")):
            code = delay + problem.code_prefix + completion
            submissions.append(Submission(problem, code, sample_index=index))
    return submissions


def ray_config(**options) -> JudgeConfig:
    return JudgeConfig(limits=FAST_LIMITS, workers=1, backend="ray", **options)


def test_ray_verdicts_equal_the_local_judge(ray_instance, humaneval):
    submissions = canonical_and_wrong(humaneval)
    with Judge(JudgeConfig(limits=FAST_LIMITS, workers=2)) as local:
        expected = local.run(submissions)
        isolation = local.isolation
    with Judge(ray_config(ray_actors=2)) as judge:
        assert judge.isolation == isolation  # the actors' workers run the same sandbox
        got = judge.run(submissions)
        streamed = list(judge.stream(submissions))
    assert [(j.problem_id, j.sample_index, j.verdict) for j in got] == [
        (j.problem_id, j.sample_index, j.verdict) for j in expected
    ]
    assert sorted((j.problem_id, j.sample_index, j.verdict) for j in streamed) == sorted(
        (j.problem_id, j.sample_index, j.verdict) for j in expected
    )
    assert {j.verdict for j in got if j.sample_index == 0} == {Verdict.PASSED}
    assert Verdict.PASSED not in {j.verdict for j in got if j.sample_index == 1}


def test_an_actor_killed_mid_batch_loses_nothing(ray_instance, humaneval):
    submissions = canonical_and_wrong(humaneval[:12], slow=True)
    with Judge(ray_config(ray_actors=2)) as judge:
        victim = judge._pool.actors[0]
        results = []
        for judgement in judge.stream(submissions):
            if not results:
                ray.kill(victim)  # its chunks are running: one job now, more queued
            results.append(judgement)
        assert judge._pool.actors[0] is not victim  # replaced
    assert len(results) == len(submissions)
    verdicts = {(j.problem_id, j.sample_index): j.verdict for j in results}
    assert len(verdicts) == len(submissions)
    for (_, index), verdict in verdicts.items():
        assert verdict is (Verdict.PASSED if index == 0 else Verdict.WRONG_ANSWER)


def test_without_retries_a_dead_actors_jobs_are_infra_errors(ray_instance, humaneval):
    submissions = canonical_and_wrong(humaneval[:12], slow=True)
    with Judge(ray_config(ray_actors=2, retries=0)) as judge:
        victim = judge._pool.actors[0]
        results = []
        for judgement in judge.stream(submissions):
            if not results:
                ray.kill(victim)
            results.append(judgement)
    assert len(results) == len(submissions)
    lost = [j for j in results if j.verdict is Verdict.INFRA_ERROR]
    assert lost, "the killed actor's unanswered jobs must come back as infra_error"
    assert all(j.error is not None and "judge actor died" in j.error.message for j in lost)
    judged = [j for j in results if j.verdict is not Verdict.INFRA_ERROR]
    assert all(
        j.verdict is (Verdict.PASSED if j.sample_index == 0 else Verdict.WRONG_ANSWER)
        for j in judged
    )


def test_ray_options_need_the_ray_backend():
    with pytest.raises(ValueError, match="backend: ray"):
        JudgeConfig(ray_actors=2)
    with pytest.raises(ValueError, match="ray_actors must be >= 1"):
        JudgeConfig(backend="ray", ray_actors=0)


def test_rl_runs_pass_their_ray_settings_to_the_judge():
    from coderl.errors import ConfigError
    from coderl.training.online import judge_config
    from coderl.training.rl_configs import GRPOConfig, RLJudgeConfig

    judge = RLJudgeConfig(backend="ray", ray_address="head:6379", ray_actors=3, workers=2)
    config = judge_config(GRPOConfig(model="m", problems="p", judge=judge))
    assert (config.backend, config.ray_address, config.ray_actors, config.workers) == (
        "ray",
        "head:6379",
        3,
        2,
    )
    with pytest.raises(ConfigError, match="ray_actors need judge"):
        RLJudgeConfig(ray_address="head:6379")


def test_the_judge_command_runs_on_ray(ray_instance, humaneval, tmp_path):
    from coderl.cli.main import main

    problem = humaneval[0]
    samples = tmp_path / "samples.jsonl"
    completions = (problem.solutions[0][len(problem.code_prefix) :], "    return None\n")
    samples.write_text(
        "".join(json.dumps({"task_id": problem.id, "completion": c}) + "\n" for c in completions)
    )
    out = tmp_path / "judgements.jsonl"
    argv = ["judge", "--problems", "humaneval[0:1]", "--samples", str(samples)]
    argv += ["--out", str(out), "--workers", "1", "--no-progress"]
    assert main([*argv, "--judge-backend", "ray", "--ray-actors", "2"]) == 0
    header, *records = [json.loads(line) for line in out.read_text().splitlines()]
    assert header["provenance"]["judge"]["backend"] == "ray"
    assert [r["verdict"] for r in records] == ["passed", "wrong_answer"]


def test_a_failed_start_leaves_no_actor_behind(ray_instance, monkeypatch):
    from coderl.execution.ray_backend import RayPool

    pool = RayPool(ray_config(ray_actors=2))
    started = []
    new_actor = RayPool._new_actor

    def second_fails(self, index):
        if index == 1:
            raise RuntimeError("no room for a second actor")
        started.append(new_actor(self, index))
        return started[-1]

    monkeypatch.setattr(RayPool, "_new_actor", second_fails)
    with pytest.raises(RuntimeError, match="no room"):
        pool.start()
    assert len(started) == 1 and pool.actors == []
    assert _dies_within(started[0], seconds=60)


def _dies_within(actor, seconds: float) -> bool:
    """Whether the actor stops answering within ``seconds`` (`ray.kill` is asynchronous: a
    call sent just after it may still be answered)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            ray.get(actor.features.remote(), timeout=seconds)
        except ray.exceptions.RayActorError:
            return True
        time.sleep(0.2)
    return False
