"""`CompilerReward`: PPOCoder's compiler signal, +1 when the program compiles, -1 when not.

Programs compile through the judge's sandboxed compile path (`coderl.execution.compiled`):
a timeout and memory limits, and warnings are never failures (PPOCoder's reference code failed
any program that printed a warning, and waited forever on a compiler that hung); Python too
is byte-compiled in the sandbox, under the timeout. A sampled batch repeats programs often, so
results are cached by a hash of (language, timeout, code), and the rest compile in batches
(`coderl.execution.compile_batch`: one sandbox per batch, precompiled C++ headers, one javac
run for many Java programs) on parallel threads.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from coderl.execution.compile_batch import compile_batch
from coderl.execution.types import ErrorInfo, Judgement, Verdict
from coderl.execution.zygote import ZygoteDied
from coderl.problems.types import Problem
from coderl.rewards.base import register_reward

COMPILABLE_LANGUAGES = ("python", "c", "cpp", "java")
log = logging.getLogger(__name__)


@dataclass
class CompileCache:
    """Compile outcomes by content hash; thread-safe, bounded (oldest entries go first)."""

    max_entries: int = 100_000
    _outcomes: dict[str, bool] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    @staticmethod
    def key(code: str, language: str, timeout_s: float) -> str:
        """The hash of what decides the outcome: the code, its language and the timeout."""
        return hashlib.sha256(f"{language}\0{timeout_s!r}\0{code}".encode()).hexdigest()

    def get(self, key: str) -> bool | None:
        with self._lock:
            outcome = self._outcomes.get(key)
            if outcome is None:
                self.misses += 1
            else:
                self.hits += 1
            return outcome

    def put(self, key: str, outcome: bool) -> None:
        with self._lock:
            if len(self._outcomes) >= self.max_entries:
                del self._outcomes[next(iter(self._outcomes))]
            self._outcomes[key] = outcome


# One cache per process, shared by every CompilerReward unless given its own: the rollout's
# compile-only judgements (`compile_judgements`) and the compile reward then compile once.
SHARED_CACHE = CompileCache()


@register_reward("compiler")
@dataclass
class CompilerReward:
    """+1 compiles, -1 does not (including a compiler stopped by the timeout or memory
    limit: the program's doing), None when the sandbox itself failed (infra_error).

    ``language`` overrides the problem's own (e.g. a translation task's target language).
    """

    language: str | None = None
    timeout_s: float = 10.0
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    batch_size: int = 64
    cache: CompileCache = field(default_factory=lambda: SHARED_CACHE)
    needs_tests = False  # the online loop may train it on problems without tests

    def __post_init__(self) -> None:
        if self.language is not None and self.language not in COMPILABLE_LANGUAGES:
            valid = ", ".join(COMPILABLE_LANGUAGES)
            raise ValueError(f"compiler reward: language {self.language!r}; valid: {valid}")
        if self.timeout_s <= 0 or self.workers < 1 or self.batch_size < 1:
            raise ValueError(
                "compiler reward: timeout_s must be > 0, workers >= 1 and batch_size >= 1"
            )

    def __call__(self, problem: Problem, program: str, judgement: Judgement) -> float | None:
        return self.score(program, self.language or problem.language)

    def score(self, program: str, language: str) -> float | None:
        """The reward of one program (cached)."""
        return self.score_many([program], language)[0]

    def score_many(self, programs: Sequence[str], language: str) -> list[float | None]:
        """Rewards of a batch: each distinct program not in the cache compiled once, in
        batches of at most ``batch_size`` (`compile_batch`: one sandbox, and for Java one
        javac run, per batch) spread over ``workers`` threads."""
        if language not in COMPILABLE_LANGUAGES:
            valid = ", ".join(COMPILABLE_LANGUAGES)
            raise ValueError(f"compiler reward: cannot compile {language!r}; valid: {valid}")
        scores: dict[str, float | None] = {}
        todo = []
        for program in dict.fromkeys(programs):
            known = self.cache.get(self.cache.key(program, language, self.timeout_s))
            if known is None:
                todo.append(program)
            else:
                scores[program] = 1.0 if known else -1.0
        if todo:
            size = min(self.batch_size, -(-len(todo) // self.workers))
            chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
            with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
                found = pool.map(lambda chunk: self._compile(chunk, language), chunks)
                for chunk, chunk_scores in zip(chunks, found):
                    scores.update(zip(chunk, chunk_scores))
        return [scores[program] for program in programs]

    def _compile(self, programs: list[str], language: str) -> list[float | None]:
        try:
            results = compile_batch(programs, language, self.timeout_s)
        except (OSError, RuntimeError, ZygoteDied) as err:  # the sandbox failed, not a program
            log.warning("compiler reward: infra error compiling %s: %s", language, err)
            return [None] * len(programs)
        for program, result in zip(programs, results):
            self.cache.put(self.cache.key(program, language, self.timeout_s), result.ok)
        return [1.0 if result.ok else -1.0 for result in results]


def compile_judgements(
    items: Sequence[tuple[Problem, int, str]], compiler: CompilerReward | None = None
) -> list[Judgement]:
    """Judgements of (problem, sample index, program) whose problems have no tests (a
    translation): ``passed`` when the program compiles (there is no test to fail),
    ``compile_error`` when not, ``infra_error`` when the sandbox failed."""
    compiler = compiler or CompilerReward()
    by_language: dict[str, list[int]] = {}
    for i, (problem, _, _) in enumerate(items):
        by_language.setdefault(compiler.language or problem.language, []).append(i)
    scores: dict[int, float | None] = {}
    for language, indices in by_language.items():
        found = compiler.score_many([items[i][2] for i in indices], language)
        scores.update(zip(indices, found))
    judgements = []
    for i, (problem, index, _) in enumerate(items):
        score = scores[i]
        if score is None:
            error = ErrorInfo("InfraError", "the sandbox could not compile the program")
            judgements.append(Judgement(problem.id, index, Verdict.INFRA_ERROR, error=error))
        elif score > 0:
            judgements.append(Judgement(problem.id, index, Verdict.PASSED))
        else:
            error = ErrorInfo("CompileError", "the program does not compile")
            judgements.append(Judgement(problem.id, index, Verdict.COMPILE_ERROR, error=error))
    return judgements
