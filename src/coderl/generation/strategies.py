"""`coderl generate --strategy plain|critic`: a strategy's pools written as a samples file,
with the budget it spent beside it (``OUT.budget.json``).

Critic sampling runs first and sets each problem's token budget; plain sampling then spends
exactly that many generated tokens on each problem (``--budget CRITIC_OUT.budget.json``). In
the critic's file a problem's ``sample_index`` is its rank (0: submitted first); in the plain
file it is generation order, and `coderl evaluate` filters by the example tests itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from coderl.files import open_atomic
from coderl.generation.budget import BudgetFile, write_budget
from coderl.generation.budgeted import Candidate, candidate_record, pool_budget, sample_to_budget
from coderl.generation.config import SamplingConfig
from coderl.generation.critic_sampling import CriticSampler, CriticSamplingConfig
from coderl.models.policy import Policy
from coderl.problems.types import Problem


def write_pools(
    path: str | Path,
    problems: Sequence[Problem],
    pools: Mapping[str, Sequence[Candidate]],
    strategy: str,
    k: int,
) -> BudgetFile:
    """The samples file (atomically, one record per candidate, numbered in pool order) and its
    budget file."""
    budget = BudgetFile(strategy, k, {p.id: pool_budget(pools[p.id]) for p in problems})
    with open_atomic(path) as out:
        for problem in problems:
            for index, candidate in enumerate(pools[problem.id]):
                out.write(json.dumps(candidate_record(problem, candidate, index)) + "\n")
    write_budget(path, budget)
    return budget


def generate_critic(
    policy: Policy,
    critic,
    problems: Sequence[Problem],
    out: str | Path,
    sampling: SamplingConfig,
    config: CriticSamplingConfig,
    repair_policy: Policy | None = None,
    prompt_style: str | None = None,
    judge_config=None,
    progress: bool = False,
) -> BudgetFile:
    """Critic sampling over ``problems`` into ``out`` (ranked pools) and its budget."""
    from coderl.execution.judge import Judge

    with Judge(judge_config) as judge:
        sampler = CriticSampler(
            policy, critic, judge, sampling, config, repair_policy, prompt_style
        )
        pools = sampler.run(problems, progress=progress)
    return write_pools(out, problems, pools, "critic", sampling.n)


def generate_plain(
    policy: Policy,
    problems: Sequence[Problem],
    out: str | Path,
    sampling: SamplingConfig,
    budget: BudgetFile,
    prompt_style: str | None = None,
) -> BudgetFile:
    """Plain sampling of each problem to exactly the tokens ``budget`` gives it."""
    from coderl.errors import DataError
    from coderl.generation.runner import build_prompts

    missing = [p.id for p in problems if p.id not in budget.per_problem]
    if missing:
        raise DataError(
            f"the budget has no entry for {len(missing)} problem(s) (first: {missing[0]!r}); "
            "give the budget file of a run over the same problems"
        )
    prompts = build_prompts(policy, list(problems), prompt_style)
    tokens = {p.id: budget.per_problem[p.id].tokens for p in problems}
    pools = sample_to_budget(policy, problems, prompts, sampling, tokens, first_n=budget.k)
    return write_pools(out, problems, pools, "plain", budget.k)
