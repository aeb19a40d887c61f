"""Tuning scores of checkpoints on many validation problems: greedy pass@1 on the validation
splits of several testbed seeds (600 problems by default: a 95% interval of about +-4 points,
against +-10 for the quickstart's 100), and optionally sampled pass@1 on the first 200.

Validation only: tuning on the test problems that reports score would overstate the result.

    python bench/validation_scores.py runs/qs/sft/step_1200 runs/qs/rl/step_60 --sampled 10
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coderl.problems.types import Problem


def seeded_validation(seeds: list[int]) -> dict[str, list[Problem]]:
    """Each seed's validation problems, by seed (testbed ids repeat across seeds)."""
    from coderl.problems.loaders import load_problems

    return {str(seed): list(load_problems(f"synthetic:seed={seed}@validation")) for seed in seeds}


def main() -> None:
    from dataclasses import replace

    from coderl.execution import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.models import load_policy
    from coderl.recipes.quickstart_config import load_quickstart_config
    from coderl.training.online import judged_outcomes, mean_pass_at_ks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", help="policy folders to score")
    parser.add_argument("--seeds", default="0,1,2", help="testbed seeds whose validation to score")
    parser.add_argument("--sampled", type=int, default=0, help="programs per problem (0: off)")
    args = parser.parse_args()

    defaults = load_quickstart_config()  # scored as the quickstart's report scores
    by_seed = seeded_validation([int(seed) for seed in args.seeds.split(",")])
    total = sum(len(problems) for problems in by_seed.values())
    first_seed = next(iter(by_seed.values()))[:200]
    greedy = defaults.sample.sampling(greedy=True)
    sampled = replace(defaults.sample.sampling(greedy=False), n=max(args.sampled, 1))
    with Judge(JudgeConfig(limits=Limits(cpu_time_s=defaults.judge.cpu_time_s))) as judge:
        for checkpoint in args.checkpoints:
            policy = load_policy(checkpoint)
            outcomes = {
                f"{seed}:{problem_id}": passed
                for seed, problems in by_seed.items()
                for problem_id, passed in judged_outcomes(policy, judge, problems, greedy).items()
            }
            score = mean_pass_at_ks(outcomes, (1,))[1]
            row = {"checkpoint": checkpoint, f"greedy pass@1 ({total})": 100 * score}
            if args.sampled:
                outcomes = judged_outcomes(policy, judge, first_seed, sampled)
                row["sampled pass@1 (200)"] = 100 * mean_pass_at_ks(outcomes, (1,))[1]
            print(
                json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()})
            )


if __name__ == "__main__":
    main()
