"""Does CodeRL learn? Held-out pass@1 after CodeRL (online, offline) and its no-critic
ablation, against SFT, from a quickstart run folder.

Starts from a quickstart run folder (its SFT checkpoint and frozen problems, e.g. a copy of
``runs/qs-final``), a trained critic (``coderl train critic``) and, for offline runs, a
critic data file of SFT samples. Each variant trains with the quickstart's RL settings
(``--set rl.KEY=VALUE``) per seed, then is scored like ``bench/rl_learning.py``: greedy
pass@1 and sampled pass@1 (``sample.n`` programs per problem) on the test problems.

Variants: ``coderl`` (online), ``coderl-offline`` (batches of the critic data's samples),
``nocritic`` (online, q_t = 1: REINFORCE with the greedy baseline plus the same CE term).

    python bench/critic_learning.py --run runs/qs --critic runs/bench/critic-s0/step_300 \\
        --data runs/bench/critic-train.jsonl --variants coderl,nocritic --seeds 0
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path, help="a quickstart run folder")
    parser.add_argument("--critic", required=True, help="a trained critic folder")
    parser.add_argument("--data", help="critic data JSONL (offline variant)")
    parser.add_argument("--variants", default="coderl,coderl-offline,nocritic")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--out", type=Path, help="results folder (default RUN/bench-critic)")
    parser.add_argument("--problems", default="test", choices=("test", "validation"))
    parser.add_argument("--no-sft", action="store_true", help="do not score the SFT policy")
    return parser.parse_args()


def main() -> None:
    from dataclasses import replace

    from coderl.execution import Judge
    from coderl.recipes.pipeline import RunContext
    from coderl.recipes.quickstart import coderl_config, final_checkpoint, read_problems
    from coderl.recipes.quickstart_config import load_quickstart_config
    from coderl.training.actor_critic import train_coderl
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.online import judge_config
    from heldout import describe, score_checkpoint

    args = parse_args()
    out = args.out or args.run / "bench-critic"
    config = load_quickstart_config(
        str(args.run / "config.yaml"), ["rl.algorithm=coderl", *args.overrides]
    )
    ctx = RunContext(config, args.run, progress=False)
    problems = list(read_problems(ctx, f"problems/{args.problems}.jsonl"))
    base = coderl_config(ctx, critic=args.critic)
    results: dict[str, list[dict[str, float]]] = {}
    with Judge(judge_config(base)) as judge:

        def score(checkpoint: Path) -> dict[str, float]:
            return score_checkpoint(checkpoint, judge, problems, config)

        sft = None if args.no_sft else score(final_checkpoint(ctx, "sft"))
        if sft:
            print(f"sft: {describe(sft)}")
        for variant in args.variants.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                folder = out / f"{variant}-seed{seed}"
                run = replace(base, seed=seed, output_dir=str(folder))
                if variant == "coderl-offline":
                    run = replace(run, mode="offline", offline_data=args.data)
                elif variant == "nocritic":
                    run = replace(run, critic=None)
                start = time.perf_counter()
                resume = latest_checkpoint(folder) is not None
                result = train_coderl(run, resume=resume, progress=False)
                minutes = (time.perf_counter() - start) / 60
                row = score(result.checkpoint) | {"seed": seed, "rl_minutes": minutes}
                results.setdefault(variant, []).append(row)
                print(
                    f"{variant} seed {seed}: {describe(row)} ({minutes:.1f} min of RL)",
                    flush=True,
                )
                out.mkdir(parents=True, exist_ok=True)
                summary = {"sft": sft, "problems": f"{args.problems} ({len(problems)})"}
                (out / f"results-{args.variants.replace(',', '_')}.json").write_text(
                    json.dumps(summary | {"runs": results}, indent=1) + "\n"
                )


if __name__ == "__main__":
    main()
