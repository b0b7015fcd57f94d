"""CSV files a youth worker can open in a spreadsheet without anything in them running."""

import csv
import io
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.csv_safe import BOM, DANGEROUS_STARTS, csv_lines, csv_text, neutralise

cells = st.text()
rows = st.lists(st.lists(cells, max_size=6), max_size=6)
harmless = st.text().filter(lambda t: not t.startswith(DANGEROUS_STARTS))


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@given(st.lists(cells, max_size=6), rows)
def test_no_cell_read_back_starts_with_something_a_spreadsheet_would_run(header, body):
    for row in parsed(csv_text(header, body)):
        for cell in row:
            assert not cell.startswith(DANGEROUS_STARTS)


@given(st.lists(cells, max_size=6), rows)
def test_dangerous_cells_come_back_with_one_apostrophe_and_the_rest_exactly(header, body):
    read_back = parsed(csv_text(header, body))

    assert read_back == [[("'" + c if c.startswith(DANGEROUS_STARTS) else c) for c in row]
                         for row in [header, *body]]


@given(st.lists(st.lists(harmless, max_size=6), min_size=1, max_size=6))
def test_harmless_text_round_trips_exactly(table):
    assert parsed(csv_text(table[0], table[1:])) == table


@pytest.mark.parametrize("words", [
    "Bus, train, or walk", 'She said "no"', "line one\nline two", "windows\r\nline",
    'all, of "it"\n at once', "", " ", "'already quoted", "caf\u00e9 \U0001f600",
])
def test_commas_quotes_and_line_breaks_survive(words):
    assert parsed(csv_text(["words"], [[words, "next"]])) == [["words"], [words, "next"]]


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"http://evil.example\",\"Click\")",
     "'=HYPERLINK(\"http://evil.example\",\"Click\")"),
    ("+1+2", "'+1+2"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("a=1", "a=1"),
    (" =1", " =1"),
])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value, cell):
    assert neutralise(value) == cell


@pytest.mark.parametrize(("value", "cell"), [
    (None, ""), (0, "0"), (42, "42"), (-3, "-3"), (2.5, "2.5"), (-0.5, "-0.5"),
    (Decimal("-1.10"), "-1.10"), (True, "yes"), (False, "no"),
    (float("-inf"), "'-inf"), (float("nan"), "nan"),
])
def test_empty_values_and_numbers(value, cell):
    # A real negative number stays a number that adds up in a spreadsheet.
    assert neutralise(value) == cell


def test_anything_else_is_made_safe_by_the_text_it_shows():
    class Sneaky:
        def __str__(self) -> str:
            return "=cmd()"

    assert neutralise(Sneaky()) == "'=cmd()"


def test_numbers_and_none_read_back_as_text():
    assert parsed(csv_text(["n", "empty", "money"], [[7, None, -1.5]])) == [
        ["n", "empty", "money"], ["7", "", "-1.5"]]


def test_the_file_can_be_written_a_line_at_a_time():
    body = ([f"row {n}", "=bad", "two\nlines"] for n in range(3))
    lines = list(csv_lines(["a", "b", "c"], body))

    assert len(lines) == 4
    assert "".join(lines) == csv_text(["a", "b", "c"],
                                      [[f"row {n}", "=bad", "two\nlines"] for n in range(3)])


def test_a_byte_order_mark_only_when_asked_for():
    assert csv_text(["a"], [["b"]], bom=True) == BOM + "a\r\nb\r\n"
    assert csv_text(["a"], [["b"]]) == "a\r\nb\r\n"
