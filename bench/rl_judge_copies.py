"""Collecting an RL rollout with each distinct program of a group judged once, against judging
every sampled copy, from a trained checkpoint on the synthetic testbed.

A policy fine-tuned on the testbed repeats itself at temperature 1: about half the programs of
a group are copies. coderl's `RolloutCollector` runs each distinct (problem, program) once and
gives the copies its judgement; the baseline (a subclass here) submits every copy, as RL
libraries that call a reward function per sample do. Both collect the same programs (same
checkpoint, seed and prompts), sampling and judging overlapped as in training; alternating,
median over ``--rounds`` rounds. The last line is the ratio of whole-collection times.

    coderl quickstart --out runs/qs         # any testbed checkpoint will do
    python bench/rl_judge_copies.py runs/qs/sft/step_1200 --prompts 96
"""

from __future__ import annotations

import argparse
import statistics
import time


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="a policy folder trained on the testbed")
    parser.add_argument("--prompts", type=int, default=96, help="problems per rollout")
    parser.add_argument("--group", type=int, default=8, help="programs per problem")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args()


def main() -> None:
    from dataclasses import replace

    import torch

    from coderl.execution import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.execution.types import Submission
    from coderl.models import load_policy
    from coderl.problems import load_problems
    from coderl.recipes.quickstart import rollout_config
    from coderl.recipes.quickstart_config import load_quickstart_config
    from coderl.rewards import UnitTestReward
    from coderl.training.collect import RolloutCollector
    from coderl.training.online import rollout_sampling
    from coderl.training.timers import Timers

    class EveryCopyCollector(RolloutCollector):
        """The baseline: one judge run per sampled program."""

        def _judge_distinct(self, items):
            submissions = [
                Submission(
                    problem=problem,
                    code=code,
                    tests=self.tests,
                    stop_at_first_failure=self.stop_at_first_failure,
                )
                for problem, _, code in items
            ]
            return iter(self.judge.run(submissions))

    args = parse_args()
    torch.set_num_threads(args.threads)
    defaults = load_quickstart_config()
    policy = load_policy(args.checkpoint, device="cpu")
    problems = load_problems(f"synthetic@train[0:{args.prompts}]").problems
    rollout = replace(rollout_config(defaults), group_size=args.group)  # the quickstart's
    sampling = rollout_sampling(rollout, seed=0)
    limits = Limits(cpu_time_s=defaults.judge.cpu_time_s)
    times: dict[str, list[float]] = {"distinct": [], "every copy": []}
    verdicts = {}
    with Judge(JudgeConfig(limits=limits)) as judge:
        collectors = {
            name: kind(policy, judge, UnitTestReward(), sampling, stop_at_first_failure=True)
            for name, kind in (("distinct", RolloutCollector), ("every copy", EveryCopyCollector))
        }
        for _ in range(args.rounds):
            for name, collector in collectors.items():
                start = time.perf_counter()
                _, stats = collector.collect(problems, seed=0, timers=Timers())
                times[name].append(time.perf_counter() - start)
                verdicts[name] = stats.verdicts
    programs = args.prompts * args.group
    print(f"{programs} programs ({args.prompts} problems x {args.group}), {args.threads} threads")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:>10}: {median:.2f} s per rollout, verdicts {verdicts[name]}")
    ratio = statistics.median(times["every copy"]) / statistics.median(times["distinct"])
    print(f"distinct programs judged once: {ratio:.2f}x faster rollout collection")


if __name__ == "__main__":
    main()
