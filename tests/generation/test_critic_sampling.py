"""Critic sampling: the prefix cut, the budget split and accounting, n@k selection, and a tiny
end-to-end run (tiny Llama policy, an untrained critic head on it, the real judge)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest
import torch

from coderl.errors import ConfigError, DataError
from coderl.generation import Sampler, SamplingConfig
from coderl.generation.budget import Budget, BudgetFile, fit_to_budget, read_budget, split_evenly
from coderl.generation.budgeted import Candidate, sample_to_budget, truncate
from coderl.generation.critic_config import CriticSamplingConfig
from coderl.generation.critic_sampling import (
    CriticSampler,
    critic_scores,
    cut_point,
    rank,
    select,
)
from coderl.generation.repair import RepairError, repair_prompt
from coderl.models import build_tiny_causal
from coderl.problems import load_problems
from coderl.problems.prompts import build_prompt

torch.set_num_threads(1)

SAMPLING = SamplingConfig(n=3, temperature=1.0, max_new_tokens=12, batch_size=16, seed=0)


def cand(passed: bool | None, score: float | None, name: str = "") -> Candidate:
    return Candidate("p", name, name, 1, True, passed_examples=passed, critic_score=score)


# the pure pieces -------------------------------------------------------------------------------


def test_cut_point_keeps_up_to_the_best_token_and_prefers_the_earliest_tie():
    assert cut_point([0.1, 0.9, 0.3]) == 2
    assert cut_point([0.5, 0.2, 0.5, 0.1]) == 1
    assert cut_point([0.7]) == 1
    assert cut_point([0.1, 0.2, 0.3]) == 3  # rising to the end keeps the whole program
    with pytest.raises(ValueError, match="at least one"):
        cut_point([])


def test_split_evenly_gives_the_remainder_to_the_first():
    assert split_evenly(10, 3) == [4, 3, 3]
    assert split_evenly(2, 4) == [1, 1, 0, 0]
    assert split_evenly(10, 1) == [10]
    assert sum(split_evenly(97, 7)) == 97
    with pytest.raises(ValueError):
        split_evenly(3, 0)


def test_fit_to_budget_spends_exactly_the_budget_when_the_samples_hold_it():
    assert fit_to_budget([5, 4, 6], 12) == [5, 4, 3]
    assert fit_to_budget([5, 4], 20) == [5, 4]  # less than the budget: all of it
    assert fit_to_budget([5, 4, 6], 5) == [5, 0, 0]
    assert sum(fit_to_budget([3] * 10, 17)) == 17


def test_rank_puts_example_passers_first_then_critic_score_then_generation_order():
    pool = [
        cand(False, 0.99, "fail-high"),
        cand(True, 0.2, "pass-low"),
        cand(True, 0.8, "pass-high"),
        cand(None, None, "unjudged"),
        cand(True, 0.8, "pass-high-later"),
        cand(False, 0.5, "fail-mid"),
    ]
    assert [c.completion for c in rank(pool)] == [
        "pass-high",
        "pass-high-later",
        "pass-low",
        "fail-high",
        "fail-mid",
        "unjudged",
    ]
    assert [c.completion for c in select(pool, 2)] == ["pass-high", "pass-high-later"]
    with pytest.raises(ValueError):
        select(pool, 0)


def test_budget_file_round_trips_and_bad_files_name_themselves(tmp_path):
    budget = BudgetFile("critic", 10, {"a": Budget(12, 150), "b": Budget(10, 90)})
    path = tmp_path / "x.budget.json"
    path.write_text(json.dumps(budget.to_dict()))
    again = read_budget(path)
    assert again == budget and again.total == Budget(22, 240)
    assert json.loads(path.read_text())["tokens"] == 240
    path.write_text("{}")
    with pytest.raises(DataError, match=r"x\.budget\.json"):
        read_budget(path)


def test_critic_sampling_config_names_the_bad_field():
    with pytest.raises(ConfigError, match="repair_top_m"):
        CriticSamplingConfig(repair_top_m=0)
    with pytest.raises(ConfigError, match="repair_when"):
        CriticSamplingConfig(repair_when="sometimes")


def test_repair_prompt_shows_the_problem_the_program_and_the_error():
    problem = next(iter(load_problems("synthetic@test[0:1]")))
    prompt = repair_prompt(problem, "def f(x)\n", RepairError("SyntaxError", "expected ':'", 1))
    assert prompt.startswith("\nQUESTION:\n")
    assert prompt.endswith(
        "### Failed program:\ndef f(x)\n### Error: SyntaxError: expected ':' (line 1)\n"
        "### Fixed program:\n"
    )
    bare = repair_prompt(problem, "return 1", RepairError("wrong_answer", "returned 1"))
    assert "### Error: wrong_answer: returned 1\n" in bare


# sampling with a real tiny model -------------------------------------------------------------


@pytest.fixture(scope="module")
def policy():
    return build_tiny_causal(seed=3)


@pytest.fixture(scope="module")
def problems():
    return list(load_problems("synthetic@test[0:3]"))


def test_a_truncated_sample_is_the_sample_a_smaller_cap_draws(policy):
    prompt = ["def f(x):\n"]
    long = Sampler(policy, dataclasses.replace(SAMPLING, n=2)).sample(prompt)[0]
    short_config = dataclasses.replace(SAMPLING, n=2, max_new_tokens=5)
    short = Sampler(policy, short_config).sample(prompt)[0]
    for whole, capped in zip(long, short):
        cut = truncate(whole, 5, policy.tokenizer)
        assert cut.token_ids == capped.token_ids
        assert cut.text == capped.text
        assert cut.finished == capped.finished


def test_plain_sampling_spends_exactly_each_problems_token_budget(policy, problems):
    prompts = [f"# {p.id}\n" for p in problems]
    budgets = {problems[0].id: 40, problems[1].id: 7, problems[2].id: 61}
    pools = sample_to_budget(policy, problems, prompts, SAMPLING, budgets, first_n=3)
    for problem in problems:
        pool = pools[problem.id]
        assert sum(c.num_tokens for c in pool) == budgets[problem.id]
        assert all(c.num_tokens >= 1 for c in pool)
    # the first programs are the ones critic sampling starts from (same seed, same streams)
    first = Sampler(policy, SAMPLING).sample(prompts[:1])[0]
    assert [c.text for c in pools[problems[0].id][:2]] == [s.text for s in first[:2]]


@pytest.fixture(scope="module")
def critic(policy, tmp_path_factory):
    from coderl.models.critic import OutcomeCritic

    torch.manual_seed(0)
    critic = OutcomeCritic(policy.model, policy.tokenizer, False, num_classes=2)
    return critic.eval()


@pytest.fixture(scope="module")
def judge():
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits

    with Judge(JudgeConfig(limits=Limits(cpu_time_s=1.0), workers=1)) as the_judge:
        yield the_judge


def test_refine_continues_the_best_prefix_of_programs_that_pass_the_examples(
    policy, critic, judge, problems
):
    # Without example tests every program passes them (nothing to filter on), so every
    # program seeds refinement: N continuations in all per problem, N / |P| per program.
    open_problems = [dataclasses.replace(p, example_tests=()) for p in problems[:2]]
    sampler = CriticSampler(
        policy, critic, judge, SAMPLING, CriticSamplingConfig(), prompt_style=None
    )
    pools = sampler.run(open_problems)
    for problem in open_problems:
        pool = pools[problem.id]
        firsts = [c for c in pool if c.origin == "sample"]
        refined = [c for c in pool if c.origin == "refine"]
        assert len(firsts) == SAMPLING.n and len(refined) == SAMPLING.n
        assert all(c.passed_examples for c in pool)
        # each first program, best-scored first, seeds N / |P| continuations of its best prefix
        prompt = build_prompt(problem)
        scored = critic_scores(critic, [prompt] * 3, [f.completion for f in firsts], 8)
        order = sorted(range(3), key=lambda i: -scored[i][0])
        expected = []
        for i, count in zip(order, split_evenly(SAMPLING.n, 3)):
            _, q, ids = scored[i]
            prefix = policy.tokenizer.decode(ids[: cut_point(q)], skip_special_tokens=True)
            expected += [prefix] * count
        seeds = [max((p for p in expected if r.text.startswith(p)), key=len) for r in refined]
        assert Counter(seeds) == Counter(expected)
        scores = [c.critic_score for c in pool]
        assert scores == sorted(scores, reverse=True)  # all pass: ranked by the critic


def test_repair_rounds_fix_the_top_m_failing_programs(policy, critic, judge, problems):
    config = CriticSamplingConfig(refine=True, repair_top_m=2, repair_rounds=2, repair_samples=2)
    sampler = CriticSampler(policy, critic, judge, SAMPLING, config, repair_policy=policy)
    pools = sampler.run(problems[:1])
    pool = pools[problems[0].id]
    firsts = [c for c in pool if c.origin == "sample"]
    repairs = [c for c in pool if c.origin == "repair"]
    assert not any(c.passed_examples for c in pool)  # a random tiny model solves nothing
    assert len(firsts) == SAMPLING.n
    assert len(repairs) == 2 * 2 * 2  # rounds x top-M x fixes per program
    assert [c.passed_examples for c in pool] == sorted(
        (c.passed_examples for c in pool), reverse=True
    )


def test_refine_needs_a_causal_policy(critic, judge):
    from coderl.models import build_tiny_seq2seq

    with pytest.raises(ConfigError, match="causal"):
        CriticSampler(build_tiny_seq2seq(seed=0), critic, judge, SAMPLING, CriticSamplingConfig())
