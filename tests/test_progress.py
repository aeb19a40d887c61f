"""Progress output for logs: whole lines, no carriage returns (`coderl.progress`)."""

import io

from coderl.progress import PlainLines, progress_bar


def test_a_stream_that_is_not_a_terminal_gets_plain_lines():
    log = io.StringIO()
    with progress_bar(total=3, desc="judge", unit="program", file=log) as bar:
        assert isinstance(bar, PlainLines)
        for _ in range(3):
            bar.update(1)
            bar.set_postfix(loss="1.0")  # shown with the next line, not a line per call
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert lines[0].startswith("judge: 0/3") and lines[-1].startswith("judge: 3/3")
    assert len(lines) == 2  # the start and the end: the 30 s interval never came
    assert "loss=1.0" in lines[-1]


def test_disabled_writes_nothing():
    log = io.StringIO()
    with progress_bar(total=2, file=log, enabled=False) as bar:
        bar.update(2)
    assert log.getvalue() == ""
