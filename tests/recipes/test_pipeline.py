"""The stage mechanism on toy stages: order, skip on re-run, re-run on config change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from coderl.recipes.pipeline import RunContext, Stage, read_records, run_pipeline


@dataclass(frozen=True)
class First:
    text: str = "a"


@dataclass(frozen=True)
class Second:
    repeat: int = 2


@dataclass(frozen=True)
class Toy:
    seed: int = 0
    first: First = field(default_factory=First)
    second: Second = field(default_factory=Second)


def write_first(ctx: RunContext[Toy]) -> None:
    (ctx.folder / "first.txt").write_text(ctx.config.first.text)


def write_second(ctx: RunContext[Toy]) -> None:
    text = (ctx.folder / "first.txt").read_text()
    (ctx.folder / "out").mkdir()
    (ctx.folder / "out" / "second.txt").write_text(text * ctx.config.second.repeat)


STAGES = (
    Stage("first", write_first, ("first.txt",)),
    Stage("second", write_second, ("out",)),
)


def run(config: Toy, folder) -> list[str]:
    """Names of the stages that ran (were not skipped)."""
    times = run_pipeline(STAGES, RunContext(config, folder, progress=False), lambda _: None)
    return [t.name for t in times if not t.skipped]


def test_runs_stages_in_order_and_records_them(tmp_path):
    assert run(Toy(), tmp_path) == ["first", "second"]
    assert (tmp_path / "out" / "second.txt").read_text() == "aa"
    assert sorted(read_records(tmp_path)) == ["first", "second"]


def test_rerun_skips_finished_stages(tmp_path):
    run(Toy(), tmp_path)
    assert run(Toy(), tmp_path) == []


def test_changed_section_reruns_that_stage_and_later_ones(tmp_path):
    run(Toy(), tmp_path)
    assert run(replace(Toy(), second=Second(repeat=3)), tmp_path) == ["second"]
    assert (tmp_path / "out" / "second.txt").read_text() == "aaa"
    assert run(replace(Toy(), first=First("b"), second=Second(3)), tmp_path) == ["first", "second"]
    assert (tmp_path / "out" / "second.txt").read_text() == "bbb"


def test_shared_scalars_rerun_everything(tmp_path):
    run(Toy(), tmp_path)
    assert run(Toy(seed=1), tmp_path) == ["first", "second"]


def test_missing_output_reruns_its_stage(tmp_path):
    run(Toy(), tmp_path)
    (tmp_path / "out" / "second.txt").unlink()
    (tmp_path / "out").rmdir()
    assert run(Toy(), tmp_path) == ["second"]


def test_failed_stage_is_not_recorded_and_runs_again(tmp_path):
    def broken(ctx: RunContext[Toy]) -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_pipeline(
            (STAGES[0], Stage("second", broken, ("out",))),
            RunContext(Toy(), tmp_path, progress=False),
            lambda _: None,
        )
    assert sorted(read_records(tmp_path)) == ["first"]
    assert run(Toy(), tmp_path) == ["second"]


def test_stage_that_forgets_an_output_is_an_error(tmp_path):
    lazy = Stage("first", lambda ctx: None, ("first.txt",))
    with pytest.raises(RuntimeError, match="without writing"):
        run_pipeline((lazy,), RunContext(Toy(), tmp_path, progress=False), lambda _: None)


def test_a_stage_turned_off_neither_runs_nor_counts(tmp_path):
    def never(ctx: RunContext[Toy]) -> None:
        raise AssertionError("an off stage ran")

    stages = (*STAGES, Stage("extra", never, ("extra.txt",), enabled=lambda c: c.seed > 0))
    said: list[str] = []
    times = run_pipeline(stages, RunContext(Toy(), tmp_path, progress=False), said.append)
    assert [t.name for t in times] == ["first", "second"]
    assert "[3/3] extra: off" in said
