"""`CompilerReward` through the judge's real sandboxed compilers: +1 compiles (warnings
included), -1 syntax error or stopped by the timeout, None when the sandbox fails; for each
of python, c, cpp and java."""

from __future__ import annotations

import pytest

from coderl.execution.types import Judgement, Verdict
from coderl.execution.zygote import ZygoteDied
from coderl.problems.types import Problem
from coderl.rewards import CompilerReward, build_reward
from coderl.rewards import compiler as compiler_module
from coderl.rewards.compiler import CompileCache

JUDGEMENT = Judgement("p", 0, Verdict.PASSED)
PROGRAMS = {
    "python": {
        "ok": "def f(x):\n    return x + 1\n",
        "error": "def f(x)\n    return x\n",
        "warning": 'assert (1, "always true")\npattern = "\\d"\n',  # SyntaxWarning, Deprecation
    },
    "c": {
        "ok": '#include <stdio.h>\nint main(void) { printf("hi\\n"); return 0; }\n',
        "error": "int main(void) { return 0 }\n",
        "warning": '#warning "careful"\nint main(void) { return 0; }\n',
    },
    "cpp": {
        "ok": "#include <vector>\nint main() { std::vector<int> v{1}; return v[0] - 1; }\n",
        "error": "int main() { std::vector<int> v; }\n",
        "warning": '#warning "careful"\nint main() { return 0; }\n',
    },
    "java": {
        "ok": "class Main { public static void main(String[] a) { System.out.println(1); } }",
        "error": "class Main { public static void main(String[] a) { int x = ; } }",
        # raw types: javac prints an "unchecked" note on stderr
        "warning": "import java.util.*; class Main { public static void main(String[] a) {"
        " List l = new ArrayList(); l.add(1); System.out.println(l); } }",
    },
}
# 10^9 tokens after macro expansion: the preprocessor cannot finish within a second
MACRO_BOMB = (
    "#define A0 x+x+x+x+x+x+x+x+x+x\n"
    + "".join(f"#define A{i} " + "+".join([f"A{i - 1}"] * 10) + "\n" for i in range(1, 9))
    + "int x;\nint main(void) { return A8; }\n"
)

PYTHON_SLOW = "0"
for _ in range(15):
    PYTHON_SLOW = f"([{PYTHON_SLOW}, 1] | [{PYTHON_SLOW}, 2])"
PYTHON_SLOW = f"match x:\n    case {PYTHON_SLOW}:\n        pass\n"


def _problem(language: str) -> Problem:
    return Problem(id="p", source="test", statement="", language=language)


@pytest.mark.parametrize("language", PROGRAMS)
@pytest.mark.parametrize(("kind", "expected"), [("ok", 1.0), ("error", -1.0), ("warning", 1.0)])
def test_compile_reward_per_language(language: str, kind: str, expected: float) -> None:
    reward = CompilerReward()
    assert reward(_problem(language), PROGRAMS[language][kind], JUDGEMENT) == expected


@pytest.mark.parametrize("language", ["c", "cpp"])
def test_a_compiler_past_the_timeout_is_stopped_and_scores_minus_one(language: str) -> None:
    reward = CompilerReward(timeout_s=1.0)
    assert reward(_problem(language), MACRO_BOMB, JUDGEMENT) == -1.0


def test_python_past_the_timeout_scores_minus_one() -> None:
    # nested or-patterns: compile() needs seconds for this 1 MB source (5 s here), and the
    # sandbox stops it at the limit
    reward = CompilerReward(timeout_s=0.5, cache=CompileCache())
    assert reward(_problem("python"), PYTHON_SLOW, JUDGEMENT) == -1.0
    assert reward(_problem("python"), PROGRAMS["python"]["ok"], JUDGEMENT) == 1.0


def test_javac_past_the_timeout_scores_minus_one() -> None:
    # the JVM alone needs more than 0.1 s to start: javac is stopped at the limit
    reward = CompilerReward(timeout_s=0.1)
    assert reward(_problem("java"), PROGRAMS["java"]["ok"], JUDGEMENT) == -1.0


def test_the_cache_compiles_each_program_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = compiler_module.compile_batch

    def counting(codes: list[str], language: str, timeout_s: float):
        calls.extend(codes)
        return real(codes, language, timeout_s)

    monkeypatch.setattr(compiler_module, "compile_batch", counting)
    reward = CompilerReward(workers=2, cache=CompileCache())
    ok, bad = PROGRAMS["c"]["ok"], PROGRAMS["c"]["error"]
    assert reward.score_many([ok, bad, ok, bad, ok], "c") == [1.0, -1.0, 1.0, -1.0, 1.0]
    assert reward.score(ok, "c") == 1.0
    assert sorted(calls) == sorted([ok, bad])
    assert reward.cache.hits == 1 and reward.cache.misses == 2


def test_a_sandbox_failure_is_undecided_not_the_programs_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failures = iter([OSError("cannot create the build folder"), ZygoteDied("zygote exited")])

    def broken(codes: list[str], language: str, timeout_s: float):
        raise next(failures)

    monkeypatch.setattr(compiler_module, "compile_batch", broken)
    reward = CompilerReward(cache=CompileCache())
    assert reward(_problem("cpp"), PROGRAMS["cpp"]["ok"], JUDGEMENT) is None
    assert reward(_problem("cpp"), PROGRAMS["cpp"]["ok"], JUDGEMENT) is None
    assert len(reward.cache._outcomes) == 0  # an infra error is never cached


def test_configuration_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="language 'rust'"):
        build_reward("compiler", language="rust")
    with pytest.raises(ValueError, match="timeout_s"):
        CompilerReward(timeout_s=0)
    with pytest.raises(ValueError, match="batch_size"):
        CompilerReward(batch_size=0)
    with pytest.raises(ValueError, match="cannot compile 'go'"):
        CompilerReward()(_problem("go"), "package main", JUDGEMENT)
