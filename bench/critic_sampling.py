"""Critic sampling against plain sampling at an equal budget of generated tokens.

For each critic-sampling variant (refine, repair, both) and seed: critic sampling of the
held-out problems from N = --n first samples per problem, then plain sampling of each problem
to exactly the tokens that variant spent on it. Both pools are judged on the hidden and the
example tests and scored whole at k = N: pass@k (any program of the pool passes), 1@k and 5@k
(submit 1 or 5 after filtering by the example tests; critic: by its rank, plain: in generation
order), with 95% bootstrap intervals over problems. Prints a table and writes
``OUT/results.json`` and every samples, budget and report file under OUT.

    python bench/critic_sampling.py --policy runs/qs/sft/step_1200 \
        --critic runs/cs/critic/step_300 --repair runs/cs/repair/step_300 \
        --problems jsonl:runs/qs/problems/test.jsonl --out runs/cs/bench
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

VARIANTS = ("refine", "repair", "both")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", required=True, help="the policy (e.g. the SFT checkpoint)")
    parser.add_argument("--critic", required=True, help="a critic folder (coderl train critic)")
    parser.add_argument("--repair", help="a repair model (coderl train repair); none: no repair")
    parser.add_argument("--problems", required=True, help="problem spec of held-out problems")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--n", type=int, default=10, help="first samples per problem (k)")
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--top-p", type=float, default=0.95)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--repair-top-m", type=int, default=2)
    parser.add_argument("--repair-rounds", type=int, default=1)
    parser.add_argument("--repair-when", default="no_pass", choices=("no_pass", "always"))
    parser.add_argument("--cpu-time", type=float, default=1.0, help="CPU seconds per test")
    parser.add_argument("--device", default="cpu")
    return parser.parse_args()


def main() -> None:
    from coderl.evaluation.budgeted import report_budgeted
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.generation.budget import budget_path, read_budget
    from coderl.generation.config import SamplingConfig
    from coderl.generation.critic_config import CriticSamplingConfig
    from coderl.generation.strategies import generate_critic, generate_plain
    from coderl.models import load_policy
    from coderl.models.critic import OutcomeCritic
    from coderl.problems import load_problems

    args = parse_args()
    variants = [v for v in args.variants.split(",") if v]
    if any(v in ("repair", "both") for v in variants) and not args.repair:
        raise SystemExit("--repair CKPT is needed for the repair and both variants")
    problems = list(load_problems(args.problems))
    policy = load_policy(args.policy, device=args.device)
    critic = OutcomeCritic.from_pretrained(args.critic, device=args.device)
    repair = load_policy(args.repair, device=args.device) if args.repair else None
    judge_config = JudgeConfig(limits=Limits(cpu_time_s=args.cpu_time))
    results = []
    with Judge(judge_config) as judge:
        for seed in (int(s) for s in args.seeds.split(",")):
            sampling = SamplingConfig(
                n=args.n,
                temperature=args.temperature,
                top_p=args.top_p,
                max_new_tokens=args.max_new_tokens,
                batch_size=64,
                seed=seed,
            )
            for variant in variants:
                config = CriticSamplingConfig(
                    refine=variant in ("refine", "both"),
                    repair_top_m=args.repair_top_m,
                    repair_rounds=args.repair_rounds,
                    repair_when=args.repair_when,
                )
                folder = args.out / f"seed{seed}-{variant}"
                started = time.perf_counter()
                generate_critic(
                    policy,
                    critic,
                    problems,
                    folder / "critic.jsonl",
                    sampling,
                    config,
                    repair if variant in ("repair", "both") else None,
                    judge_config=judge_config,
                )
                critic_s = time.perf_counter() - started
                budget = read_budget(budget_path(folder / "critic.jsonl"))
                started = time.perf_counter()
                generate_plain(policy, problems, folder / "plain.jsonl", sampling, budget)
                plain_s = time.perf_counter() - started
                row = {"seed": seed, "variant": variant, "seconds": {}}
                for strategy, seconds in (("critic", critic_s), ("plain", plain_s)):
                    report = report_budgeted(problems, folder / f"{strategy}.jsonl", judge)
                    report.write(folder / f"report-{strategy}.json")
                    data = report.to_dict()
                    row[strategy] = {
                        **data["by_difficulty"]["all"],
                        "intervals": data["confidence_intervals"],
                        "budget": data["budget"],
                    }
                    row["seconds"][strategy] = round(seconds, 1)
                results.append(row)
                print(_line(row, args.n), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n")


def _line(row: dict, k: int) -> str:
    cells = []
    for strategy in ("plain", "critic"):
        scores = row[strategy]
        budget = scores["budget"]
        metrics = [f"pass@{k}", f"1@{k}", f"5@{k}"]
        shown = ", ".join(
            f"{m} {100 * scores[m]:.1f} [{100 * scores['intervals'][m][0]:.1f}, "
            f"{100 * scores['intervals'][m][1]:.1f}]"
            for m in metrics
            if m in scores
        )
        cells.append(
            f"{strategy}: {shown} ({budget['programs']} programs, {budget['tokens']} tokens, "
            f"{row['seconds'][strategy]} s)"
        )
    return f"seed {row['seed']} {row['variant']}: " + " | ".join(cells)


if __name__ == "__main__":
    main()
