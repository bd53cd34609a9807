"""Every CSV and XLSX the application produces, requested with a spreadsheet formula planted in
each text field a user can set (names of organisations, people, places, profiles, publics): no
cell of any file is one a spreadsheet would evaluate (issue 11). French CSV (« ; », BOM) except
the open data, which keeps the national schema's format."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from chequebooks.models import PrintRun
from mediation.models import StatementStatus
from orientation.models import Assessment
from passnum.core.exports import cell_is_formula
from passnum.directory.models import Place
from passnum.programme.models import Envelope, TargetPublic
from reporting.models import ExportJob
from reporting.summaries import summaries_refresh
from tests.factories import MediatorProfileFactory, StatementFactory

pytestmark = pytest.mark.django_db

#: What an attacker types, one per field (each starts with a trigger: = + - @ tab CR).
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example","Payer ici")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.fixture
def planted(small):
    """Every user-settable text of the small programme's world holds a formula."""
    it = iter(PAYLOADS * 10)
    small.desk1.name = next(it)
    small.desk1.save()
    small.desk2.name = next(it)
    small.desk2.save()
    small.mediator.name = '=HYPERLINK("http://evil.example","Payer ici")'
    small.mediator.save()
    MediatorProfileFactory(
        organisation=small.mediator, legal_name=next(it), legal_representative=next(it),
        siret="=1+1", iban="=IBAN()", bic="@BIC",
    )  # fmt: skip
    Place.objects.filter(organisation=small.mediator).update(
        name="=cmd|' /C calc'!A0", address=next(it), summary=next(it), opening_hours="+1+1",
        website="=WEB()", email="@mail",
    )  # fmt: skip
    TargetPublic.objects.update(label="=PUBLIC()")
    Assessment.objects.update(level_label="=LEVEL()")
    small.epci_a.name = "=EPCI()"
    small.epci_a.save()
    # One of desk1's chequebooks in hand drawn on EPCI A's envelope: its name reaches its stock.
    cb2 = small.chequebooks["cb2"]
    cb2.envelope = small.chequebooks["cb5"].envelope
    cb2.save(update_fields=["envelope"])
    manager_user = small.manager.user
    manager_user.first_name, manager_user.last_name = "=USER()", "+NOM"
    manager_user.save()
    StatementFactory(mediator=small.mediator, status=StatementStatus.VALIDATED)
    PrintRun.objects.create(
        vintage=small.vintage, envelope=Envelope.objects.first(), chequebook_count=1,
        created_by=manager_user,
    )  # fmt: skip
    summaries_refresh(as_of=small.today)
    return small


def _cells(response, fmt):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value!r}"
                yield cell.value
        return
    text = content.decode("utf-8-sig")
    delimiter = ";" if content.startswith(b"\xef\xbb\xbf") else ","
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        yield from row


EXPORTS = [
    ("chequebooks:chequebook_list", {}, "manager"),
    ("chequebooks:stock", {"_table": "enveloppes"}, "manager"),
    ("chequebooks:stock", {"_table": "accueils"}, "manager"),
    ("chequebooks:print_run_list", {}, "manager"),
    ("chequebooks:desk_stock", {}, "desk1"),
    ("mediation:mediator_list", {}, "manager"),
    *[
        ("reporting:breakdown", {"name": n}, "manager")
        for n in ("epci", "publics", "accueils", "mediateurs", "mois", "autonomie")
    ],
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name, params, who", EXPORTS)
def test_no_table_export_holds_a_formula(planted, login, name, params, who, fmt):
    from passnum.organisations.models import Role
    from tests.factories import MembershipFactory

    params = dict(params)
    args = [params.pop("name")] if "name" in params else []
    if who == "manager":
        client = login(planted.manager)
    else:
        client = login(MembershipFactory(organisation=planted.desk1, role=Role.EVALUATOR))
    response = client.get(reverse(name, args=args), {**params, "_export": fmt})
    assert response.status_code == 200, response.status_code
    cells = [c for c in _cells(response, fmt) if isinstance(c, str)]
    evaluated = [c for c in cells if cell_is_formula(c)]
    assert not evaluated
    if fmt == "csv":
        assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
    markers = ("cmd|", "HYPERLINK", "SUM(", "=EPCI()", "=PUBLIC()", "=USER()", "=LEVEL()")
    assert args == ["mois"] or any(m in c for c in cells for m in markers), (
        "no planted text reached this export: the test would prove nothing"
    )


def test_the_accounting_csv_holds_no_formula_and_opens_in_columns(planted, login):
    response = login(planted.manager).get(reverse("mediation:statements_export"))
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["numero_releve", "mois", "statut"]
    assert all(len(row) == 13 for row in rows)
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if cell_is_formula(c)]
    assert '\'=HYPERLINK("http://evil.example","Payer ici")' in cells
    assert "'=IBAN()" in cells and "'@BIC" in cells
    # What a French spreadsheet's import guesses (LibreOffice and Excel sniff the separator):
    # « ; », and amounts with a decimal comma and no thousands separator, read as numbers.
    lines = response.content.decode("utf-8-sig").splitlines()
    assert csv.Sniffer().sniff("\n".join(lines[:2])).delimiter == ";"
    for row in rows[1:]:
        for amount in row[-3:]:
            assert re.fullmatch(r"-?[0-9]+,[0-9]{2}", amount), amount


def test_the_open_data_csv_keeps_the_schema_format_and_holds_no_formula(planted, client):
    response = client.get(reverse("mediation:places_open_data", args=["csv"]))
    assert response.status_code == 200
    assert not response.content.startswith(b"\xef\xbb\xbf")  # the schema's: no BOM, « , »
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert rows[0][:3] == ["id", "pivot", "nom"]
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if cell_is_formula(c)]
    assert "'=cmd|' /C calc'!A0" in cells
    assert any(c.startswith("+33") for c in cells)  # a phone in E.164 is a number, kept


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_detailed_export_holds_no_formula(
    planted, login, fmt, django_capture_on_commit_callbacks
):
    client = login(planted.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:export_create"), {"format": fmt})
    assert response.status_code == 302
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.error
    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert download.status_code == 200
    cells = [c for c in _cells(download, fmt) if isinstance(c, str)]
    assert not [c for c in cells if cell_is_formula(c)]
    assert any(c.startswith("'=") for c in cells)


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) is not installed")
def test_the_accounting_csv_opens_in_columns_in_a_french_libreoffice(planted, login, tmp_path):
    """LibreOffice Calc, French locale (1036), « ; » as a French spreadsheet's list separator,
    UTF-8: 13 columns, amounts read as numbers, the planted formulas as text."""
    from mediation.models import Statement

    Statement.objects.filter(status=StatementStatus.VALIDATED).update(
        face_value_cents=123456, fees_cents=-2550, net_cents=120906, cheque_count=12
    )
    response = login(planted.manager).get(reverse("mediation:statements_export"))
    source = tmp_path / "releves.csv"
    source.write_bytes(response.content)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "xlsx", "--outdir", str(tmp_path),
         str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    sheet = load_workbook(tmp_path / "releves.xlsx").active
    assert sheet.max_column == 13
    row = list(next(sheet.iter_rows(min_row=2, max_row=2)))
    assert [c.value for c in row[-3:]] == [1234.56, -25.5, 1209.06]
    assert all(c.data_type == "n" for c in row[-4:])
    assert not [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert row[3].value == '\'=HYPERLINK("http://evil.example","Payer ici")'
