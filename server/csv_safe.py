"""CSV that is safe to open in a spreadsheet.

Spreadsheets run a cell that starts with = + - or @ as a formula, and some treat a leading
tab or carriage return the same way once they trim it, so text a young person typed could
reach out to the internet or run a command on a youth worker's laptop. Every such cell gets a
leading apostrophe, which spreadsheets read as "this is text". Finite numbers are written as
they are: our own numbers can never be a formula, and a negative count must stay a number
that adds up.
"""

import csv
import io
import math
from collections.abc import Iterable, Iterator
from decimal import Decimal

DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel only reads a CSV file as UTF-8 when it starts with the byte order mark.
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """One cell as text: None is empty, and a cell a spreadsheet would run is made plain text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal) and _finite(value):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(DANGEROUS_STARTS) else text


def _finite(value: int | float | Decimal) -> bool:
    return isinstance(value, int) or math.isfinite(value)


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The file one line at a time (a line may hold line breaks inside a quoted cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _chain(header, rows):
        writer.writerow([neutralise(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(header: Iterable[object],
           rows: Iterable[Iterable[object]]) -> Iterator[Iterable[object]]:
    yield header
    yield from rows


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]], *,
             bom: bool = False) -> str:
    """The whole file; with `bom`, it opens as UTF-8 in Excel too."""
    return (BOM if bom else "") + "".join(csv_lines(header, rows))
