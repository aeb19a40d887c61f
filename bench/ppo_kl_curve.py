"""Plot a PPO run's KL per program against its target, and the controller's beta, per step.

    python bench/ppo_kl_curve.py --run runs/ppo-kl-demo --png docs/img/ppo-kl-adaptive.png

Reads RUN/metrics.jsonl (``train/kl``, ``train/beta``) and RUN/config.yaml (``ppo.kl_target``,
``ppo.kl_controller``).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", required=True, type=Path, help="a PPO run folder")
    parser.add_argument("--png", required=True, type=Path, help="the plot to write")
    args = parser.parse_args()

    import matplotlib
    import yaml

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from coderl.training.metrics_log import read_metrics

    config = yaml.safe_load((args.run / "config.yaml").read_text())
    records = [r for r in read_metrics(args.run / "metrics.jsonl") if "train/kl" in r]
    steps = [r["step"] for r in records]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(steps, [r["train/kl"] for r in records], marker=".", label="KL per program")
    left.axhline(config["ppo"]["kl_target"], color="grey", linestyle="--", label="kl_target")
    left.set_ylabel("nats")
    right.plot(steps, [r["train/beta"] for r in records], marker=".", color="C1", label="beta")
    left.set_title(f"KL to the reference ({config['ppo']['kl_controller']} controller)")
    right.set_title("KL coefficient used at each step")
    for axes in (left, right):
        axes.set_xlabel("PPO step")
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.tight_layout()
    args.png.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.png, dpi=100)
    print(f"wrote {args.png} ({len(records)} steps)")


if __name__ == "__main__":
    main()
