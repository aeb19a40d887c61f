"""`coderl evaluate --task translation|completion`: score samples against reference programs.

Translation (e.g. ``--problems xlcost:DATA/Java-C++@test``): compile rate, BLEU, CodeBLEU
and exact match of each problem's first sample against the target program. Completion
(``--problems mbpp:...`` or ``humaneval``): each reference program with its last
``--mask-tokens`` tokens masked; exact match and edit similarity of the completion against the
masked tokens, and the compile rate of prefix + completion. The report goes to
OUT/report.json and OUT/report.md.
"""

from __future__ import annotations

import json
from typing import Any

from coderl.cli.options import load_problem_list, warn
from coderl.errors import CoderlError

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
SAMPLES = "samples.jsonl"


def run_matching(config: Any, inputs: dict, *, overwrite: bool, progress: bool) -> int:
    from coderl.evaluation.judging import read_samples
    from coderl.evaluation.matching import Scored, completion_metrics, translation_metrics
    from coderl.files import check_output_dir, check_output_file
    from coderl.generation.postprocess import program_from_completion
    from coderl.problems.completion import completion_problems
    from coderl.rewards.compiler import CompilerReward

    if config.judgements:
        raise CoderlError(f"--judgements: --task {config.task} scores samples, not verdicts")
    if config.problems is None:
        raise CoderlError("give --problems SPEC (the benchmark the samples are for)")
    problems = load_problem_list(config.problems)
    if config.task == "completion":
        problems, left_out = completion_problems(problems, config.mask_tokens)
        if left_out:
            warn(f"{len(left_out)} problems have no reference longer than --mask-tokens")
    folder = check_output_dir(config.out, "--out", inputs)
    outputs = {
        name: check_output_file(folder / name, "--out", inputs, overwrite=overwrite)
        for name in (REPORT_JSON, REPORT_MD)
    }
    samples_path = config.samples
    if config.model:
        from coderl.cli.generate import generate_into

        samples_path = check_output_file(folder / SAMPLES, "--out", inputs)
        generate_into(config, problems, samples_path, progress=progress)
    first: dict[str, str] = {}
    for record in sorted(read_samples(samples_path), key=lambda r: r.sample_index):
        first.setdefault(record.problem_id, record.completion)
    scored = [p for p in problems if p.id in first]
    if not scored:
        raise CoderlError(f"--samples {samples_path}: no sample for any of the problems")
    if len(scored) < len(problems):
        warn(f"{len(problems) - len(scored)} problems have no sample and are not scored")
    compiler = CompilerReward()  # its compile timeout, as in training
    # the reference: a translation's target program, or a completion's masked tokens
    items = [Scored(p, program_from_completion(p, first[p.id]), p.solutions[0]) for p in scored]
    if config.task == "translation":
        metrics = translation_metrics(items, compiler)
    else:
        metrics = completion_metrics(items, [first[p.id] for p in scored], compiler)
    report = {
        "task": config.task,
        "problems": config.problems,
        "samples": str(samples_path),
        "model": config.model,
        "mask_tokens": config.mask_tokens if config.task == "completion" else None,
        "metrics": metrics,
    }
    outputs[REPORT_JSON].parent.mkdir(parents=True, exist_ok=True)
    outputs[REPORT_JSON].write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    markdown = _markdown(report)
    outputs[REPORT_MD].write_text(markdown, encoding="utf-8")
    print(markdown, end="")
    print(f"wrote {outputs[REPORT_JSON]} and {outputs[REPORT_MD]}")
    return 0


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"# {report['task']}: {report['problems']}",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for name, value in report["metrics"].items():
        shown = f"{int(value)}" if name in ("problems", "compile_undecided") else f"{value:.4f}"
        lines.append(f"| {name} | {shown} |")
    return "\n".join(lines) + "\n"
