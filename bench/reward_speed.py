"""PPOCoder's reward speed: programs per second for compile, syntax match and data-flow match.

Programs: XLCoST's Java and C++ test programs, MBPP's Python solutions (from --data), and C
programs made distinct from one template; each scored against another program of its
language as the reference. Compile runs through `CompilerReward` with ``--workers`` threads
and batches of ``--batch-size`` on distinct programs (no cache hits: the cold rate) and then
once more on the same programs (every one a cache hit); the first ``--check`` programs are
also compiled alone, one at a time, to count those whose verdict equals their batch's. The
precompiled C++ headers are built (or found in the cache) before the clock starts. Syntax
and data-flow match run in this one process.

    python bench/reward_speed.py --data ../shared/data --programs 200 --workers 2
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from coderl.execution.compiled import compiles, cpp_precompiled_dir
from coderl.problems import load_problems
from coderl.rewards.compiler import CompileCache, CompilerReward
from coderl.rewards.dataflow import dataflow_counts
from coderl.rewards.syntax import syntax_counts

C_TEMPLATE = """#include <stdio.h>
int main(void) {{
    int total = 0;
    for (int i = 0; i < {n}; i++) {{
        total += i * {k};
    }}
    printf("%d\\n", total);
    return 0;
}}
"""


def programs(data: Path, count: int) -> dict[str, list[str]]:
    xlcost = load_problems(f"xlcost:{data / 'xlcost' / 'Java-C++'}@test").problems[:count]
    mbpp = load_problems(f"mbpp:{data / 'mbpp' / 'mbpp.jsonl'}").problems[:count]
    return {
        "python": [p.solutions[0] for p in mbpp],
        "java": [p.statement for p in xlcost],
        "cpp": [p.solutions[0] for p in xlcost],
        "c": [C_TEMPLATE.format(n=10 + i, k=i % 7 + 1) for i in range(count)],
    }


def timed(run: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def measure(language: str, codes: list[str], workers: int, batch_size: int, check: int) -> str:
    """One table row: programs/s of each reward for ``codes``, and how many of the first
    ``check`` programs get the same verdict compiled alone (`compiles`, one at a time)."""
    reward = CompilerReward(workers=workers, batch_size=batch_size, cache=CompileCache())
    scores, cold = timed(lambda: reward.score_many(codes, language))
    _, cached = timed(lambda: reward.score_many(codes, language))
    compiled = sum(s == 1.0 for s in scores) / len(codes)
    alone = [compiles(code, language, reward.timeout_s).ok for code in codes[:check]]
    same = sum(ok == (score == 1.0) for ok, score in zip(alone, scores))
    refs = codes[1:] + codes[:1]
    _, syntax = timed(lambda: [syntax_counts(r, c, language) for r, c in zip(refs, codes)])
    _, flow = timed(lambda: [dataflow_counts(r, c, language) for r, c in zip(refs, codes)])
    n = len(codes)
    return (
        f"| {language} | {n / cold:.1f}/s | {n / cached:.0f}/s | {compiled:.2f} "
        f"| {same}/{len(alone)} | {n / syntax:.0f}/s | {n / flow:.0f}/s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--programs", type=int, default=40, help="programs per language")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=64, help="programs per compile batch")
    parser.add_argument(
        "--check", type=int, default=50, help="programs also compiled alone, to compare verdicts"
    )
    args = parser.parse_args()
    by_language = programs(args.data, args.programs)
    headers = cpp_precompiled_dir(wait=True)
    print(
        f"{args.programs} programs per language, {args.workers} compile workers, batches of "
        f"{args.batch_size}, {os.cpu_count()} CPUs (shared with other work: noisy), "
        f"precompiled C++ headers: {headers or 'none'}"
    )
    print(
        "| language | compile (cold) | compile (cached) | compiles | same verdict alone "
        "| syntax match | data-flow match |\n|---|---|---|---|---|---|---|"
    )
    for language, codes in by_language.items():
        print(measure(language, codes, args.workers, args.batch_size, args.check))


if __name__ == "__main__":
    main()
