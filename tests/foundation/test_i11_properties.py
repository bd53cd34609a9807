"""Property tests of the parsers (issue 11): whatever a person or a scanner types, the number,
amount, date, QR and CSV-line readers answer a value or a ValidationError, never another
exception; and whatever text an export writes, no cell is one a spreadsheet would evaluate."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chequebooks.services import cheque_qr_parse, cheque_scan_read
from chequebooks.services.imports import ImportRejected, import_batch_create, import_file_decode
from passnum.core.bounds import BoundedDateField, birth_earliest, date_bounds_error
from passnum.core.exports import cell_is_formula, cell_neutralise, csv_text
from passnum.core.forms import EurosField, parse_euros
from passnum.core.numbers import BIGINT_MAX, INTEGER_MAX, NumberField, parse_number

#: Text a person could type or paste, biased to what breaks parsers: digits of every script,
#: superscripts, signs, separators, exponents, formula triggers, control characters.
CHARACTERS = "0123456789²³¹⁴١٢٣٤٥六七八九〇０１２٫.,;: -‐–—+−=@\t\r\n\x00eE_€'\""
TRICKY = st.sampled_from(list(CHARACTERS) + [
    "NaN", "Infinity", "1e999999", "PASSNUM", "passnum", "9223372036854775808",
    "100000000000000000001", "\u00a0", "\u202f",
])  # fmt: skip
TYPED = st.one_of(st.text(max_size=60), st.lists(TRICKY, max_size=25).map("".join))


@given(TYPED, st.integers(min_value=-5, max_value=5), st.booleans())
def test_parse_number_answers_a_number_in_range_or_a_validation_error(text, low, signed):
    try:
        value = parse_number(text, min_value=low, max_value=BIGINT_MAX, signed=signed)
    except ValidationError as exc:
        assert exc.messages and all(isinstance(m, str) for m in exc.messages)
    else:
        assert low <= value <= BIGINT_MAX
        assert all(c.isascii() for c in text if c.isdigit())


@given(st.integers(min_value=0, max_value=BIGINT_MAX))
def test_every_bigint_typed_in_digits_reads_back(number):
    assert parse_number(str(number), max_value=BIGINT_MAX) == number
    grouped = f"{number:,}".replace(",", " ")
    assert parse_number(grouped, max_value=BIGINT_MAX) == number


@given(st.integers(min_value=BIGINT_MAX + 1, max_value=10**40))
def test_beyond_bigint_is_refused(number):
    with pytest.raises(ValidationError, match="trop grand"):
        parse_number(str(number), max_value=BIGINT_MAX)


@given(TYPED)
def test_the_number_field_answers_a_number_or_a_validation_error(text):
    try:
        value = NumberField(required=False).clean(text)
    except ValidationError:
        return
    assert value is None or 0 <= value <= INTEGER_MAX


@given(TYPED)
def test_parse_euros_answers_cents_or_a_validation_error(text):
    try:
        cents = parse_euros(text)
    except ValidationError:
        return
    assert isinstance(cents, int) and abs(cents) < 10**16


@given(st.integers(min_value=0, max_value=10**14))
def test_every_amount_written_the_french_way_reads_back(cents):
    euros, rest = divmod(cents, 100)
    assert parse_euros(f"{euros:,}".replace(",", " ") + f",{rest:02d} €") == cents
    assert EurosField().clean(f"{euros}.{rest:02d}") == cents


@given(st.one_of(TYPED, TYPED.map(lambda t: "PASSNUM:" + t), TYPED.map(lambda t: f"PASSNUM:{t}:")))
def test_qr_content_answers_a_cheque_or_a_validation_error(text):
    for reader in (cheque_qr_parse, cheque_scan_read):
        try:
            number, code = reader(text)
        except ValidationError:
            continue
        assert 0 <= number <= BIGINT_MAX
        assert code is None or (code.isascii() and code.isalnum())


@given(TYPED)
def test_a_typed_date_answers_a_date_in_bounds_or_a_validation_error(text):
    for field in (
        BoundedDateField(required=False),
        BoundedDateField(earliest=birth_earliest, latest=None, not_future=True, required=False),
    ):
        try:
            value = field.clean(text)
        except ValidationError:
            continue
        assert value is None or isinstance(value, datetime.date)


@given(st.dates())
def test_date_bounds_accept_exactly_the_programme_years(day):
    error = date_bounds_error(day)
    assert (error is None) == (datetime.date(2000, 1, 1) <= day <= datetime.date(2099, 12, 31))


@given(st.binary(max_size=300))
def test_a_file_decodes_to_text_or_is_refused_by_name(data):
    try:
        text = import_file_decode(data)
    except ValidationError as exc:
        assert exc.message_dict["file"]
    else:
        assert isinstance(text, str) and "\x00" not in text


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(TYPED, min_size=0, max_size=7), min_size=1, max_size=6))
def test_an_import_of_any_lines_is_refused_line_by_line_and_writes_nothing(rows):
    from chequebooks.models import Cheque, ImportBatch
    from tests.factories import cd12_envelope, manager_membership

    membership, envelope = manager_membership(), cd12_envelope()
    text = "\n".join(";".join(cells) for cells in rows)
    try:
        import_batch_create(
            rows_text=text, file_name="x.csv", envelope=envelope, membership=membership
        )
    except ImportRejected as exc:
        assert exc.messages
    assert not ImportBatch.objects.exists() and not Cheque.objects.exists()


@given(st.lists(st.lists(st.one_of(TYPED, st.integers(), st.none()), max_size=6), max_size=6))
def test_no_exported_cell_is_a_formula_and_each_reads_back(rows):
    text = csv_text(rows)
    back = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    cells = [c for row in back for c in row]
    assert not [c for c in cells if cell_is_formula(c)]
    for row, written in zip(rows, back, strict=True):
        for value, cell in zip(row, written, strict=True):
            if isinstance(value, str):
                assert cell == cell_neutralise(value)


@given(TYPED)
def test_neutralising_twice_changes_nothing_more(text):
    once = cell_neutralise(text)
    assert not cell_is_formula(once)
    assert cell_neutralise(once) == once
