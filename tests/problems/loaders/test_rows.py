import gzip

import pytest

from coderl.errors import DataError
from coderl.problems.loaders.rows import parse_json_field, read_jsonl, read_rows


def test_jsonl_rows_carry_file_and_line(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert list(read_jsonl(path)) == [(f"{path}:1", {"a": 1}), (f"{path}:3", {"a": 2})]


def test_gzipped_jsonl(tmp_path):
    path = tmp_path / "rows.jsonl.gz"
    with gzip.open(path, "wt") as out:
        out.write('{"a": 1}\n')
    assert [row for _, row in read_jsonl(path)] == [{"a": 1}]


@pytest.mark.parametrize(
    ("line", "message"), [("{oops", "not valid JSON"), ("[1]", "expected a JSON object, got list")]
)
def test_broken_line_names_file_and_line(tmp_path, line, message):
    path = tmp_path / "broken.jsonl"
    path.write_text('{"a": 1}\n' + line + "\n")
    with pytest.raises(DataError, match=rf"broken\.jsonl:2: {message}"):
        list(read_jsonl(path))


def test_parquet_rows(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pylist([{"a": 1}, {"a": 2}]), path)
    assert list(read_rows(path)) == [(f"{path}:row 0", {"a": 1}), (f"{path}:row 1", {"a": 2})]


def test_unreadable_parquet_is_a_data_error(tmp_path):
    pytest.importorskip("pyarrow")
    path = tmp_path / "rows.parquet"
    path.write_text("not parquet")
    with pytest.raises(DataError, match="not a readable parquet file"):
        list(read_rows(path))


def test_json_string_fields():
    assert parse_json_field({"io": '{"x": 1}'}, "io", {}) == {"x": 1}
    assert parse_json_field({"io": ""}, "io", {}) == {}
    assert parse_json_field({}, "io", []) == []
    with pytest.raises(ValueError, match="field 'io' is not valid JSON"):
        parse_json_field({"io": "{"}, "io", {})
