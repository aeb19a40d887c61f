"""The samples JSONL file: one program a line, appended to and resumed.

Each line is ``{"problem_id", "sample_index", "completion", "program", "finished",
"num_tokens", "text"?}`` where ``completion`` is the cleaned completion (what the judge gets),
``program`` the program built from it, and ``text`` the model's raw text, written only when
cleaning changed it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from coderl.errors import DataError
from coderl.generation.postprocess import clean_completion, program_from_completion
from coderl.generation.sampler import Sample
from coderl.problems.types import Problem


def done_indices(path: Path) -> dict[str, set[int]]:
    """Sample indices already in ``path``, per problem id (empty when the file is absent).

    An unterminated last line (an interrupted write) is removed from the file, so that
    appending continues from whole lines; a bad line elsewhere is an error naming it.
    """
    done: dict[str, set[int]] = defaultdict(set)
    if not path.exists():
        return done
    raw = path.read_bytes()
    tail = raw.rpartition(b"\n")[2]
    if tail:
        raw = raw[: len(raw) - len(tail)]
        path.write_bytes(raw)
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            problem_id = str(record.get("problem_id", record.get("task_id")))
            index = int(record.get("sample_index", 0))
        except (json.JSONDecodeError, TypeError, ValueError, AttributeError):
            raise DataError(f"{path}:{number}: not a samples record; fix or remove it") from None
        done[problem_id].add(index)
    return done


def sample_record(problem: Problem, sample: Sample, stops: tuple[str, ...]) -> dict[str, Any]:
    """The JSONL record of ``sample`` for ``problem``."""
    completion = clean_completion(problem, sample.text, stops)
    record: dict[str, Any] = {
        "problem_id": problem.id,
        "sample_index": sample.sample_index,
        "completion": completion,
        "program": program_from_completion(problem, completion),
        "finished": sample.finished,
        "num_tokens": len(sample.token_ids),
    }
    if completion != sample.text:
        record["text"] = sample.text
    return record
