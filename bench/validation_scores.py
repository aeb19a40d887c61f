"""Tuning scores of checkpoints on many validation problems: greedy pass@1 on the validation
splits of several testbed seeds (600 problems by default: a 95% interval of about +-4 points,
against +-10 for the quickstart's 100), and optionally sampled pass@1 on the first 200.

Validation only: tuning on the test problems that reports score would overstate the result.

    python bench/validation_scores.py runs/qs/sft/step_1200 runs/qs/rl/step_60 --sampled 10
"""

from __future__ import annotations

import argparse
import json


def main() -> None:
    from dataclasses import replace

    from coderl.execution import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.models import load_policy
    from coderl.problems.loaders import load_problems
    from coderl.recipes.quickstart_config import load_quickstart_config
    from coderl.training.online import pass_at_ks

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoints", nargs="+", help="policy folders to score")
    parser.add_argument("--seeds", default="0,1,2", help="testbed seeds whose validation to score")
    parser.add_argument("--sampled", type=int, default=0, help="programs per problem (0: off)")
    args = parser.parse_args()

    defaults = load_quickstart_config()  # scored as the quickstart's report scores
    specs = [f"synthetic:seed={seed}@validation" for seed in args.seeds.split(",")]
    problems = [problem for spec in specs for problem in load_problems(spec)]
    greedy = defaults.sample.sampling(greedy=True)
    sampled = replace(defaults.sample.sampling(greedy=False), n=max(args.sampled, 1))
    with Judge(JudgeConfig(limits=Limits(cpu_time_s=defaults.judge.cpu_time_s))) as judge:
        for checkpoint in args.checkpoints:
            policy = load_policy(checkpoint)
            score = pass_at_ks(policy, judge, problems, greedy)[1]
            row = {"checkpoint": checkpoint, f"greedy pass@1 ({len(problems)})": 100 * score}
            if args.sampled:
                score = pass_at_ks(policy, judge, problems[:200], sampled)[1]
                row["sampled pass@1 (200)"] = 100 * score
            print(
                json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()})
            )


if __name__ == "__main__":
    main()
