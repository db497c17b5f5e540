"""foundation.bulk.files: rows with line numbers from any encoding a BOM names, stdin, per-row
errors."""

from __future__ import annotations

import codecs
import io

import pytest

from foundation.bulk.files import CellError, flag, open_input, read_rows, text, write_rows
from foundation.bulk.report import RowError

CSV = 'path,friendlyName\nacme,"Acme, Ltd"\n\nsales,"two\nlines"\nshort\nx,y,z\nä/ö,Ünicode\n'


def rows_of(data: bytes, tmp_path, encoding: str = "utf-8", fmt: str = "csv"):
    path = tmp_path / "f"
    path.write_bytes(data)
    source = open_input(str(path), encoding)
    try:
        return [(line, str(row) if isinstance(row, RowError) else row)
                for line, row in read_rows(source.stream, fmt)]
    finally:
        source.close()


EXPECTED = [
    (2, {"path": "acme", "friendlyName": "Acme, Ltd"}),
    (4, {"path": "sales", "friendlyName": "two\nlines"}),  # the line where it begins
    (6, {"path": "short"}),  # a short row lacks its last columns
    (7, "line 7: more values than the header has columns"),
    (8, {"path": "ä/ö", "friendlyName": "Ünicode"}),
]


@pytest.mark.parametrize("bom, codec", [
    (b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
], ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_a_byte_order_mark_names_the_encoding(tmp_path, bom, codec):
    assert rows_of(bom + CSV.encode(codec), tmp_path) == EXPECTED


def test_without_a_mark_the_given_encoding_reads_it(tmp_path):
    data = CSV.encode("latin-1")
    assert rows_of(data, tmp_path, encoding="latin-1") == EXPECTED
    with pytest.raises(UnicodeDecodeError):
        rows_of(data, tmp_path)  # not UTF-8
    with pytest.raises(LookupError):
        open_input(str(tmp_path / "f"), "klingon")


def test_ndjson_rows_and_their_errors_keep_their_lines(tmp_path):
    data = b'{"a": 1}\n\n[1]\n{bad\n{"b": "\xc3\xa4"}\n'
    assert rows_of(data, tmp_path, fmt="ndjson") == [
        (1, {"a": 1}), (3, "line 3: expected a JSON object"),
        (4, "line 4: not valid JSON (Expecting property name enclosed in double quotes)"),
        (5, {"b": "ä"})]


def test_ndjson_nesting_is_bounded_before_parsing(tmp_path):
    shallow = '{"a": ' + "[" * 63 + "]" * 63 + "}"
    deep = '{"a": ' + "[" * 5000 + "]" * 5000 + "}"
    rows = rows_of(f"{shallow}\n{deep}\n".encode(), tmp_path, fmt="ndjson")
    assert rows[0][0] == 1 and isinstance(rows[0][1], dict)
    assert rows[1] == (2, "line 2: JSON nested deeper than 64 levels")


def test_a_header_can_be_refused():
    def refuse(header):
        raise RowError(1, f"unknown {header[0]}")

    with pytest.raises(RowError, match="line 1: unknown colour"):
        list(read_rows(io.StringIO("colour\nred\n"), "csv", on_header=refuse))


def test_standard_input_is_read_through_a_duplicate_and_left_open(tmp_path, monkeypatch):
    path = tmp_path / "in.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + CSV.encode("utf-16-le"))
    with open(path, "rb") as raw:
        monkeypatch.setattr("sys.stdin", io.TextIOWrapper(raw))
        source = open_input("-")
        assert source.has_descriptor()
        assert [line for line, _ in read_rows(source.stream, "csv")] == [2, 4, 6, 7, 8]
        source.close()
        assert not raw.closed  # stdin itself stays open


def test_stdin_without_a_descriptor_is_borrowed_and_not_closed(monkeypatch):
    buffer = io.BufferedReader(io.BytesIO(codecs.BOM_UTF8 + b"a\nb\n"))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(buffer))
    source = open_input("-")
    assert not source.has_descriptor()
    assert list(read_rows(source.stream, "csv")) == [(2, {"a": "b"})]
    source.close()
    assert not buffer.closed


def test_cells_mean_the_same_in_csv_and_ndjson():
    assert text({"a": "  x "}, "a") == "x" and text({"a": 12}, "a") == "12"
    assert text({"a": True}, "a") == "true" and text({"a": ["p", "q"]}, "a") == "p,q"
    assert text({}, "a") is None
    with pytest.raises(CellError, match="a contains a NUL"):
        text({"a": "x\x00"}, "a")
    assert [flag({"f": v}, "f") for v in ("Yes", "0", "", True)] == [True, False, None, True]
    with pytest.raises(CellError, match="f must be true or false"):
        flag({"f": "maybe"}, "f")


def test_written_rows_read_back(tmp_path):
    rows = [{"path": "a", "friendlyName": "A, Ltd"}, {"path": "b\nc"}]
    out = io.StringIO()
    assert write_rows(out, rows, ["path", "friendlyName"], "csv") == 2
    back = [row for _, row in read_rows(io.StringIO(out.getvalue()), "csv")]
    assert back == [rows[0], {"path": "b\nc", "friendlyName": ""}]
    out = io.StringIO()
    write_rows(out, rows, [], "ndjson")
    assert [row for _, row in read_rows(io.StringIO(out.getvalue()), "ndjson")] == rows
