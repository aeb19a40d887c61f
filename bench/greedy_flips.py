"""Where RL's held-out gains go: per validation problem, whether each policy's greedy program
passes and what fraction of its programs sampled at T=1 pass, grouped by the first policy's
fraction. RL that only trims the sampling distribution's tail raises the fractions without
flipping greedy outcomes; RL that changes the argmax flips more fails to passes than back.

    python bench/greedy_flips.py runs/qs7/sft/step_1200 runs/qs7/rl/step_60 --seeds 0,1

Validation only (testbed seeds' validation splits), like bench/validation_scores.py.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

BINS = ("0", "(0, 0.2)", "[0.2, 0.4)", "[0.4, 0.6)", "[0.6, 0.8)", "[0.8, 1)", "1")


def fraction_bin(fraction: float) -> str:
    """The bin of a pass fraction: exactly 0, exactly 1, or a fifth of the range in between."""
    if fraction <= 0.0:
        return BINS[0]
    if fraction >= 1.0:
        return BINS[-1]
    return BINS[1 + min(int(fraction * 5), 4)]


def main() -> None:
    from coderl.execution import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.models import load_policy
    from coderl.recipes.quickstart_config import load_quickstart_config
    from coderl.training.online import judged_outcomes
    from validation_scores import seeded_validation

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="policy folder, e.g. the SFT checkpoint")
    parser.add_argument("after", help="policy folder, e.g. an RL checkpoint")
    parser.add_argument("--seeds", default="0,1", help="testbed seeds whose validation to use")
    parser.add_argument("--n", type=int, default=10, help="programs per problem at T=1")
    args = parser.parse_args()

    defaults = load_quickstart_config()
    by_seed = seeded_validation([int(seed) for seed in args.seeds.split(",")])
    greedy = defaults.sample.sampling(greedy=True)
    plain = replace(greedy, greedy=False, n=args.n, temperature=1.0, top_p=1.0, top_k=0)
    scores: dict[str, dict[str, tuple[bool, float]]] = {}
    with Judge(JudgeConfig(limits=Limits(cpu_time_s=defaults.judge.cpu_time_s))) as judge:
        for checkpoint in (args.before, args.after):
            policy = load_policy(checkpoint)
            scores[checkpoint] = {}
            for seed, problems in by_seed.items():
                passed = judged_outcomes(policy, judge, problems, greedy)
                sampled = judged_outcomes(policy, judge, problems, plain)
                for problem in problems:
                    runs = sampled.get(problem.id, [])
                    fraction = sum(runs) / len(runs) if runs else 0.0
                    scores[checkpoint][f"{seed}:{problem.id}"] = (
                        any(passed.get(problem.id, [])),
                        fraction,
                    )

    before, after = scores[args.before], scores[args.after]
    print(f"{len(before)} problems; bins by {args.before}'s pass fraction at T=1 ({args.n} each)")
    print("| bin | problems | greedy before | greedy after | mean T=1 fraction change |")
    print("|---|---:|---:|---:|---:|")
    for label in BINS:
        keys = [key for key, (_, fraction) in before.items() if fraction_bin(fraction) == label]
        if not keys:
            continue
        greedy_before = sum(before[key][0] for key in keys) / len(keys)
        greedy_after = sum(after[key][0] for key in keys) / len(keys)
        change = sum(after[key][1] - before[key][1] for key in keys) / len(keys)
        print(
            f"| {label} | {len(keys)} | {greedy_before:.2f} | {greedy_after:.2f} | {change:+.3f} |"
        )
    gained = sum(after[key][0] and not before[key][0] for key in before)
    lost = sum(before[key][0] and not after[key][0] for key in before)
    mean_before = sum(fraction for _, fraction in before.values()) / len(before)
    mean_after = sum(fraction for _, fraction in after.values()) / len(after)
    print(f"greedy: {gained} problems fail -> pass, {lost} pass -> fail")
    print(f"T=1 pass fraction: {mean_before:.3f} -> {mean_after:.3f}")


if __name__ == "__main__":
    main()
