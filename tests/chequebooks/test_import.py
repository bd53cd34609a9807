"""Operator imports: all or nothing, every bad line named with its reason."""

import pytest
from django.core.exceptions import ValidationError

from chequebooks.models import Cheque, Chequebook, ImportBatch
from chequebooks.services import ImportRejected, cheque_code_matches, import_batch_create
from passnum.audit.models import JournalEntry
from tests.factories import (
    ChequebookFactory,
    VintageFactory,
    cd12_desk_agent,
    cd12_envelope,
    manager_membership,
)

pytestmark = pytest.mark.django_db

HEADER = "numero_chequier;numero_cheque;code_securite;millesime;valeur_faciale\n"


def _book(number, year=2026, value="10,00", size=10, code="K7M9P2QX"):
    return "".join(
        f"{number};{number * 100 + i};{code if i % 2 else ''};{year};{value}\n"
        for i in range(1, size + 1)
    )


def test_a_good_file_imports_chequebooks_and_hashed_codes():
    VintageFactory(year=2026)
    text = HEADER + _book(900001) + _book(900002, size=5)
    batch = import_batch_create(
        rows_text=text,
        file_name="livraison.csv",
        envelope=cd12_envelope(),
        membership=manager_membership(),
    )
    assert (batch.chequebook_count, batch.cheque_count) == (2, 15)
    assert Chequebook.objects.get(number=900002).cheque_count == 5
    with_code = Cheque.objects.get(number=90000101)
    without_code = Cheque.objects.get(number=90000102)
    assert cheque_code_matches(cheque=with_code, code="k7m9 p2qx")
    assert "K7M9P2QX" not in with_code.code_hash
    assert without_code.code_hash == ""
    assert list(
        Chequebook.objects.get(number=900001).cheques.values_list("position", flat=True)
    ) == list(range(1, 11))
    assert JournalEntry.objects.filter(action="chequebooks.import_batch.created").exists()


def test_a_file_with_bad_lines_writes_nothing_and_names_each_bad_line():
    VintageFactory(year=2026)
    ChequebookFactory(number=700001, vintage=VintageFactory(year=2026), envelope=cd12_envelope())
    lines = HEADER.splitlines(keepends=True)
    lines += _book(900001).splitlines(keepends=True)  # lines 2-11: good
    lines.append("900001;90000101;;2026;10,00\n")  # 12: duplicate number
    lines.append("900003;90000301;;2031;10,00\n")  # 13: unknown vintage
    lines.append("900004;90000401;;2026;12,00\n")  # 14: wrong value
    lines.append("900005;abc;;2026;10,00\n")  # 15: malformed
    lines.append("900006;90000601;;2026\n")  # 16: malformed (columns)
    lines.append("700001;70000199;;2026;10,00\n")  # 17: chequebook already known
    lines.append("900007;70000101;;2026;10,00\n")  # 18: cheque already known
    with pytest.raises(ImportRejected) as caught:
        import_batch_create(
            rows_text="".join(lines),
            file_name="mauvais.csv",
            envelope=cd12_envelope(),
            membership=manager_membership(),
        )
    messages = caught.value.messages
    text = "\n".join(messages)
    assert "Ligne 12 : numéro de chèque 90000101 en double (déjà ligne 2)." in messages
    assert "Ligne 13 : millésime inconnu (2031)." in messages
    assert any(m.startswith("Ligne 14 : mauvaise valeur faciale") for m in messages)
    assert any(m.startswith("Ligne 15 : ligne mal formée") for m in messages)
    assert any(m.startswith("Ligne 16 : ligne mal formée") for m in messages)
    assert "chéquier 700001 déjà connu" in text
    assert "Ligne 18 : chèque 70000101 déjà connu." in messages
    # Nothing was written.
    assert not ImportBatch.objects.exists()
    assert Chequebook.objects.count() == 1
    assert not Cheque.objects.filter(number__gte=90000000).exists()


def test_a_chequebook_must_have_5_or_10_cheques():
    VintageFactory(year=2026)
    with pytest.raises(ValidationError, match="de 3 chèques"):
        import_batch_create(
            rows_text=_book(900001, size=3),
            file_name="x.csv",
            envelope=cd12_envelope(),
            membership=manager_membership(),
        )


def test_only_a_manager_imports():
    with pytest.raises(ValidationError, match="gestionnaire"):
        import_batch_create(
            rows_text=_book(900001),
            file_name="x.csv",
            envelope=cd12_envelope(),
            membership=cd12_desk_agent(),
        )


def test_a_comma_separated_file_with_dot_decimals_is_read():
    VintageFactory(year=2026)
    text = _book(900001, value="10.00").replace(";", ",")
    batch = import_batch_create(
        rows_text=text,
        file_name="x.csv",
        envelope=cd12_envelope(),
        membership=manager_membership(),
    )
    assert batch.cheque_count == 10


def _refused(text):
    with pytest.raises(ImportRejected) as caught:
        import_batch_create(
            rows_text=text,
            file_name="x.csv",
            envelope=cd12_envelope(),
            membership=manager_membership(),
        )
    assert not Chequebook.objects.exists() and not ImportBatch.objects.exists()
    return caught.value.messages


def test_a_rejected_line_is_named_alone_not_its_chequebooks_good_lines():
    """Line 5 is wrong: its chequebook then counts 9 good lines, which is not another fault."""
    VintageFactory(year=2026)
    lines = _book(900001, code="").splitlines(keepends=True)
    lines[4] = "900001;90000105;;2026;12,00\n"
    messages = _refused("".join(lines))
    assert len(messages) == 1
    assert messages[0].startswith("Ligne 5 : mauvaise valeur faciale (12,00 au lieu de 10,00")


def test_a_chequebook_of_mixed_vintages_is_refused_at_the_line_that_mixes():
    VintageFactory(year=2026)
    VintageFactory(year=2025)
    lines = _book(900001, code="").splitlines(keepends=True)
    lines[6] = "900001;90000107;;2025;10,00\n"
    messages = _refused("".join(lines))
    assert messages == ["Ligne 7 : chéquier 900001 de millésimes mélangés (ligne 1 : 2026)."]


def test_a_chequebook_too_small_is_still_named_when_its_lines_are_all_good():
    VintageFactory(year=2026)
    messages = _refused(_book(900001, size=7, code="") + _book(900002, code=""))
    assert messages == ["Ligne 1 : chéquier 900001 de 7 chèques (5 ou 10 attendus)."]
