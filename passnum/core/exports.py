"""The one writer of every CSV and XLSX file the application produces.

Rules:

- ``cell_neutralise``: a text cell a spreadsheet would evaluate (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) gets a leading apostrophe, so it reads as text (the
  OWASP rule, as defusedcsv); a plain number (``-12,50``, ``+33565000000``) is left as it is: a
  spreadsheet reads it as a number, it runs nothing.
- French CSV (``csv_bytes``, ``csv_response``): ``;`` between cells, decimal comma, dates as
  ``31/12/2026``, UTF-8 with a BOM, so a French spreadsheet opens it in columns with its
  accents. A file with a format of its own (the national open-data schema) passes its own
  ``delimiter`` and ``decimal_comma=False``: still neutralised.
- XLSX (``xlsx_bytes``): the same neutralised cells, characters XML forbids removed, dates as
  dates in Europe/Paris.
- ``table_response``: a django-tables2 table's ``?_export=csv|xlsx``, through the same writer.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone

#: What makes a spreadsheet evaluate a cell, at its start.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?", re.ASCII)
#: Characters an XLSX (XML 1.0) file cannot hold.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def cell_neutralise(value):
    """A text cell starting with a formula trigger gets a leading apostrophe (see the module's
    rule); a plain number written as text, and every non-text value, are returned unchanged."""
    return "'" + value if cell_is_formula(value) else value


def cell_is_formula(value) -> bool:
    """What a spreadsheet would evaluate (the tests' check of every export)."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_TRIGGERS)
        and not _PLAIN_NUMBER.fullmatch(value)
    )


def _cell_text(value, *, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%d/%m/%Y %H:%M") if decimal_comma else value.isoformat()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y") if decimal_comma else value.isoformat()
    if isinstance(value, float | Decimal):
        text = str(value)
        return text.replace(".", ",") if decimal_comma else text
    return str(cell_neutralise(str(value)))


def csv_text(
    rows, *, header=None, delimiter: str = ";", decimal_comma: bool = True,
    lineterminator: str = "\r\n",
) -> str:  # fmt: skip
    """Rows (lists of cells) as CSV text, every cell neutralised; French by default."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=lineterminator)
    if header is not None:
        writer.writerow([_cell_text(c, decimal_comma=decimal_comma) for c in header])
    for row in rows:
        writer.writerow([_cell_text(c, decimal_comma=decimal_comma) for c in row])
    return out.getvalue()


def csv_bytes(rows, *, header=None) -> bytes:
    """A French CSV file: ``;``, decimal comma, UTF-8 with a BOM."""
    return ("\ufeff" + csv_text(rows, header=header)).encode("utf-8")


def _xlsx_cell(value):
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return value
    if isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    return cell_neutralise(_XML_ILLEGAL.sub("", str(value)))


class XlsxSheet:
    """One sheet written row by row (openpyxl's write-only mode, for large exports)."""

    def __init__(self, *, title: str, header=None):
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(_XML_ILLEGAL.sub("", title)[:31] or "Export")
        if header is not None:
            self.append(header)

    def append(self, row) -> None:
        self.sheet.append([_xlsx_cell(c) for c in row])

    def content(self) -> bytes:
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()


class CsvSheet:
    """The French CSV counterpart of XlsxSheet: rows appended, then the file's bytes."""

    def __init__(self, *, title: str = "", header=None):
        self.out = io.StringIO()
        self.writer = csv.writer(self.out, delimiter=";", lineterminator="\r\n")
        if header is not None:
            self.append(header)

    def append(self, row) -> None:
        self.writer.writerow([_cell_text(c, decimal_comma=True) for c in row])

    def content(self) -> bytes:
        return ("\ufeff" + self.out.getvalue()).encode("utf-8")


def sheet_open(fmt: str, *, title: str, header=None):
    """A CsvSheet or an XlsxSheet for ``fmt`` (``csv`` or ``xlsx``)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    return (CsvSheet if fmt == "csv" else XlsxSheet)(title=title, header=header)


def xlsx_bytes(rows, *, header=None, title: str = "Export") -> bytes:
    sheet = XlsxSheet(title=title, header=header)
    for row in rows:
        sheet.append(row)
    return sheet.content()


def file_response(content: bytes, *, fmt: str, filename: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type=CSV_CONTENT_TYPE if fmt == "csv" else XLSX_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def rows_response(rows, *, header=None, fmt: str, filename: str, title: str = "Export"):
    """A download of rows in ``fmt`` (French CSV or XLSX), every cell neutralised."""
    if fmt == "csv":
        content = csv_bytes(rows, header=header)
    else:
        content = xlsx_bytes(rows, header=header, title=title)
    return file_response(content, fmt=fmt, filename=filename)


def table_response(table, *, fmt: str, filename: str, exclude_columns=None):
    """A django-tables2 table as French CSV or XLSX (its visible columns, header first; the
    columns with ``exclude_from_export`` left out), or None for another format."""
    if fmt not in FORMATS:
        return None
    values = list(table.as_values(exclude_columns=exclude_columns))
    header, rows = (values[0], values[1:]) if values else (None, [])
    title = str(getattr(table, "caption", "") or "Export")
    return rows_response(rows, header=header, fmt=fmt, filename=filename, title=title)
