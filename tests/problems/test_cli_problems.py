from pathlib import Path

from coderl.cli.main import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "problems"


def test_summary(capsys):
    assert main(["problems", f"apps:{FIXTURES / 'apps' / 'test'}"]) == 0
    out = capsys.readouterr().out
    assert ": 3 problems" in out
    assert "by split: test 3" in out
    assert "by difficulty: competition 1, interview 1, introductory 1" in out
    assert "tests per problem: min 0, mean 1.3, max 2" in out
    assert "example tests per problem: min 0, mean 1.3, max 2" in out
    assert "problems without tests: 1 (apps/test/0004)" in out
    assert "skipped rows: 3" in out
    assert "0002: input_output has 2 inputs but 1 outputs" in out


def test_show_one_problem(capsys):
    assert main(["problems", f"mbpp:{FIXTURES / 'mbpp.jsonl'}", "--show", "11"]) == 0
    out = capsys.readouterr().out
    assert "entry point: is_even" in out
    assert "--- statement ---\nWrite a function to check whether a number is even." in out
    assert "--- tests (3) ---\nassert is_even(2) == True\nassert not is_even(3)" in out
    assert "--- example tests (3) ---" in out


def test_show_unknown_id_is_an_error(capsys):
    assert main(["problems", f"mbpp:{FIXTURES / 'mbpp.jsonl'}", "--show", "999"]) == 2
    assert "no problem '999'" in capsys.readouterr().err


def test_broken_line_reports_file_and_line(tmp_path, capsys):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"id": "a", "source": "x", "statement": "s"}\n{"id": \n')
    assert main(["problems", f"jsonl:{path}"]) == 2
    assert f"{path}:2: not valid JSON" in capsys.readouterr().err


def test_bundled_humaneval(capsys):
    assert main(["problems", "humaneval"]) == 0
    assert capsys.readouterr().out.startswith("humaneval: 164 problems")


def test_real_mbpp_splits(shared_data, capsys):
    assert main(["problems", f"mbpp:{shared_data / 'mbpp' / 'mbpp.jsonl'}"]) == 0
    out = capsys.readouterr().out
    assert ": 974 problems" in out
    assert "by split: prompt 10, test 500, train 374, validation 90" in out
