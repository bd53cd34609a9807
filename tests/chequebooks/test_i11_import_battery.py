"""The operator import under malformed files (issue 11): every file below is refused with a
French message naming why, the page answers below 500, and nothing is written."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from chequebooks.models import Cheque, Chequebook, ImportBatch
from tests.factories import ChequebookFactory, VintageFactory, cd12_envelope, manager_membership

pytestmark = pytest.mark.django_db

HEADER = "numero_chequier;numero_cheque;code_securite;millesime;valeur_faciale\n"


def _book(number, *, year=2026, value="10,00", size=10, code="K7M9P2QX", sep="\n"):
    return "".join(
        f"{number};{number * 100 + i};{code if i % 2 else ''};{year};{value}{sep}"
        for i in range(1, size + 1)
    )


def _with(line: str, *, book=900001) -> str:
    """A good chequebook of 10 lines, then one bad line."""
    return HEADER + _book(book) + line + "\n"


GOOD = HEADER + _book(900001)

#: (name, file's bytes, what the page says). Each one a file an operator could really send.
CASES = [
    ("empty", b"", "Le fichier soumis est vide"),
    ("blank lines", b"  \n\n\r\n ", "Fichier vide"),
    ("header only", HEADER.encode(), "Fichier vide"),
    ("only separators", b";;;;\n;;;;\n", "Fichier vide"),
    ("nul bytes", GOOD.encode().replace(b";", b"\x00;", 1), "octets nuls"),
    ("utf-16", GOOD.encode("utf-16"), "octets nuls"),
    ("xlsx", b"PK\x03\x04" + b"x" * 100, "pas un fichier CSV"),
    ("xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"x" * 100, "pas un fichier CSV"),
    ("control characters", b"\x01\x02\x03\x04;1;2;3;4\n", "caractères de contrôle"),
    ("neither utf-8 nor cp1252", b"numero\x81\x8d;1;2;3;4\n", "Encodage du fichier non reconnu"),
    ("line too long", _with("9" * 600).encode(), "ligne trop longue"),
    (
        "field over csv's limit",
        _with("1;" + "2" * 140_000 + ";;2026;10,00").encode(),
        "trop longue",
    ),
    ("cr only, bad line", _with("900002;x;;2026;10,00").replace("\n", "\r").encode(), "Ligne 12"),
    ("extra column", _with("900002;90000201;;2026;10,00;en trop").encode(), "colonne en trop"),
    ("missing column", _with("900002;90000201;;2026").encode(), "colonne manquante"),
    ("one column", _with("900002").encode(), "colonne manquante"),
    ("formula =", _with("900002;=1+1;;2026;10,00").encode(), "formule de tableur refusée"),
    ("formula +", _with("900002;90000201;+SUM(1);2026;10,00").encode(), "formule de tableur"),
    ("formula @", _with("@cmd;90000201;;2026;10,00").encode(), "formule de tableur"),
    ("formula -", _with("900002;90000201;-1+cmd;2026;10,00").encode(), "formule de tableur"),
    ("formula tab", _with('900002;"\t=1+1";;2026;10,00').encode(), "formule de tableur"),
    ("hyperlink", _with('=HYPERLINK("http://evil.example");1;;2026;10,00').encode(), "formule"),
    ("superscript", _with("²;90000201;;2026;10,00").encode(), "Saisissez un nombre en chiffres"),
    ("beyond bigint", _with("900002;100000000000000000001;;2026;10,00").encode(), "trop grand"),
    ("bigint + 1", _with("9223372036854775808;1;;2026;10,00").encode(), "trop grand"),
    ("negative", _with("-5;90000201;;2026;10,00").encode(), "Saisissez un nombre en chiffres"),
    ("arabic digits", _with("١٢٣;90000201;;2026;10,00").encode(), "Saisissez un nombre"),
    ("exponent", _with("1e5;90000201;;2026;10,00").encode(), "Saisissez un nombre"),
    ("decimal number", _with("900002.0;90000201;;2026;10,00").encode(), "Saisissez un nombre"),
    ("letters", _with("12a4;90000201;;2026;10,00").encode(), "numéro de chéquier"),
    ("zero", _with("0;90000201;;2026;10,00").encode(), "au moins 1"),
    ("year superscript", _with("900002;90000201;;20²6;10,00").encode(), "millésime"),
    ("year too old", _with("900002;90000201;;1999;10,00").encode(), "millésime inconnu (1999)"),
    ("year too far", _with("900002;90000201;;99999;10,00").encode(), "trop grand"),
    ("unknown vintage", _with("900002;90000201;;2031;10,00").encode(), "millésime inconnu"),
    ("value words", _with("900002;90000201;;2026;dix").encode(), "valeur faciale"),
    ("value exponent", _with("900002;90000201;;2026;1e1").encode(), "valeur faciale"),
    ("value nan", _with("900002;90000201;;2026;NaN").encode(), "valeur faciale"),
    ("value three decimals", _with("900002;90000201;;2026;10,001").encode(), "valeur faciale"),
    ("value superscript", _with("900002;90000201;;2026;1²").encode(), "valeur faciale"),
    ("wrong value", _with("900002;90000201;;2026;12,00").encode(), "mauvaise valeur faciale"),
    ("code too short", _with("900002;90000201;ab;2026;10,00").encode(), "code de sécurité"),
    ("code symbols", _with("900002;90000201;K7M9P2Q!;2026;10,00").encode(), "code de sécurité"),
    ("unclosed quote", _with('900002;"90000201;;2026;10,00').encode(), "guillemets"),
    ("duplicate cheque", _with("900002;90000101;;2026;10,00").encode(), "en double"),
    ("short chequebook", (HEADER + _book(900001, size=3)).encode(), "5 ou 10 attendus"),
    (
        "mixed vintages",
        (HEADER + _book(900001, size=9) + "900001;90000110;;2025;10,00\n").encode(),
        "millésimes mélangés",
    ),  # fmt: skip
    ("already known", (HEADER + _book(700001)).encode(), "déjà connu"),
    ("cp1252, bad line", _with("900002;é;;2026;10,00").encode("cp1252"), "Ligne 12"),
]


@pytest.fixture
def world(login):
    VintageFactory(year=2026)
    VintageFactory(year=2025)
    ChequebookFactory(number=700001, vintage=VintageFactory(year=2027), envelope=cd12_envelope())
    return login(manager_membership())


def _counts():
    return (Chequebook.objects.count(), Cheque.objects.count(), ImportBatch.objects.count())


def test_the_battery_has_forty_files_or_more():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, content, message", CASES, ids=[c[0] for c in CASES])
def test_a_malformed_file_is_refused_by_name_and_writes_nothing(
    world, settings, name, content, message
):
    settings.PASSNUM_IMPORT_MAX_LINE_CHARS = 500
    before = _counts()
    response = world.post(
        reverse("chequebooks:import"),
        {"envelope": cd12_envelope().pk, "file": SimpleUploadedFile("livraison.csv", content)},
    )
    assert response.status_code < 500
    assert response.status_code == 200  # the form again, with the reason
    page = html.unescape(response.content.decode())
    assert message in page, page[page.find("errorlist") - 200 : page.find("errorlist") + 800]
    assert _counts() == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, settings):
    settings.PASSNUM_IMPORT_MAX_BYTES = 1000
    before = _counts()
    response = world.post(
        reverse("chequebooks:import"),
        {"envelope": cd12_envelope().pk, "file": SimpleUploadedFile("x.csv", b"1" * 1001)},
    )
    assert response.status_code == 200
    assert "Fichier trop gros (0 Ko, au plus 0 Ko)" in html.unescape(response.content.decode())
    assert _counts() == before


@pytest.mark.parametrize(
    "name, content",
    [
        ("cr only (old Mac Excel)", GOOD.replace("\n", "\r").encode()),
        ("crlf (Windows)", GOOD.replace("\n", "\r\n").encode()),
        ("utf-8 with bom", b"\xef\xbb\xbf" + GOOD.encode()),
        ("windows-1252 header", GOOD.replace("numero_", "numéro_").encode("cp1252")),
        ("spaces in numbers", (HEADER + _book(900001).replace("900001;", "900 001;")).encode()),
        ("dashes in numbers", (HEADER + _book(900001).replace("900001;", "900-001;")).encode()),
        ("comma separated", GOOD.replace(";", ",").replace(",10,00", ',"10,00"').encode()),
    ],
)  # fmt: skip
def test_what_operators_really_send_is_read(world, name, content):
    response = world.post(
        reverse("chequebooks:import"),
        {"envelope": cd12_envelope().pk, "file": SimpleUploadedFile("livraison.csv", content)},
    )
    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    assert Chequebook.objects.filter(number=900001).exists()
    assert Cheque.objects.filter(chequebook__number=900001).count() == 10
