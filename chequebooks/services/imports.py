"""Stock delivered by an external operator, imported from its CSV file (all or nothing)."""

import csv
import io
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from passnum.core.services import counter_advance
from passnum.organisations.roles import (
    require_programme_manager,
)
from passnum.programme.models import Vintage

from .. import journal
from ..models import (
    Cheque,
    Chequebook,
    ImportBatch,
)
from .codes import cheque_code_hash

_CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")


class ImportRejected(ValidationError):
    """The whole file is refused; ``messages`` name each bad line and its reason."""


def _parse_euros(text: str) -> int | None:
    text = text.strip().replace("€", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d{1,2})?", text):
        return None
    euros, _, cents = text.partition(".")
    return int(euros) * 100 + int((cents + "00")[:2])


def import_batch_create(*, rows_text: str, file_name: str, envelope, membership):
    """Import stock delivered by an external operator from a CSV (see README for columns).

    Rules: all or nothing; every bad line is named with its reason: malformed, duplicate
    number in the file, already known, unknown vintage, wrong face value (not the vintage's),
    a chequebook of mixed vintages or of a size other than 5 or 10. The size is checked only
    for chequebooks whose lines were all accepted (a chequebook with a rejected line is
    already named by that line, and its count would blame good lines). Codes, when given, are
    stored as keyed hashes only. The import takes the ``chequebook`` counter's lock, so a
    print run never starts at the same instant; a number taken meanwhile refuses the whole
    file. Written with bulk inserts: 90 000 cheques in seconds."""
    require_programme_manager(
        membership, "Seul un gestionnaire du programme peut importer du stock."
    )
    errors: list[tuple[int, str]] = []
    text = rows_text.lstrip("\ufeff")
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    vintages = {v.year: v for v in Vintage.objects.filter(programme_id=envelope.programme_id)}
    books: dict[int, dict] = {}
    seen_cheques: dict[int, int] = {}
    #: The chequebook each line names (when its number reads), to spare the size check to
    #: chequebooks that have a rejected line.
    line_books: dict[int, int] = {}
    line_no = 0
    for line_no, row in enumerate(reader, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if line_no == 1 and row[0].strip().lower().startswith("numero"):
            continue  # header
        if len(row) != 5:
            errors.append((line_no, f"ligne mal formée ({len(row)} colonnes au lieu de 5)"))
            continue
        book_txt, cheque_txt, code, year_txt, value_txt = (c.strip() for c in row)
        if book_txt.isdigit():
            line_books[line_no] = int(book_txt)
        if not (book_txt.isdigit() and cheque_txt.isdigit() and year_txt.isdigit()):
            errors.append((line_no, "ligne mal formée (numéro ou millésime non numérique)"))
            continue
        if code and not _CODE_RE.match(code):
            errors.append((line_no, "ligne mal formée (code de sécurité invalide)"))
            continue
        value = _parse_euros(value_txt)
        if value is None:
            errors.append((line_no, f"ligne mal formée (valeur faciale « {value_txt} »)"))
            continue
        book_no, cheque_no, year = int(book_txt), int(cheque_txt), int(year_txt)
        vintage = vintages.get(year)
        if vintage is None:
            errors.append((line_no, f"millésime inconnu ({year})"))
            continue
        if value != vintage.face_value_cents:
            errors.append(
                (
                    line_no,
                    f"mauvaise valeur faciale ({value_txt} au lieu de "
                    f"{vintage.face_value_cents / 100:.2f} €)".replace(".", ","),
                )
            )
            continue
        if cheque_no in seen_cheques:
            errors.append(
                (
                    line_no,
                    f"numéro de chèque {cheque_no} en double (déjà ligne "
                    f"{seen_cheques[cheque_no]})",
                )
            )
            continue
        seen_cheques[cheque_no] = line_no
        book = books.setdefault(book_no, {"vintage": vintage, "cheques": [], "line": line_no})
        if book["vintage"] != vintage:
            errors.append(
                (
                    line_no,
                    f"chéquier {book_no} de millésimes mélangés (ligne {book['line']} : "
                    f"{book['vintage'].year})",
                )
            )
            continue
        book["cheques"].append((cheque_no, code, line_no))
    rejected_books = {line_books[n] for n, _reason in errors if n in line_books}
    for book_no, book in books.items():
        if book_no in rejected_books:
            continue
        if len(book["cheques"]) not in (5, 10):
            errors.append(
                (
                    book["line"],
                    f"chéquier {book_no} de {len(book['cheques'])} chèques (5 ou 10 attendus)",
                )
            )
    # Already known numbers, looked up in slices (SQLite limits query parameters).
    known_books = _existing_numbers(Chequebook, list(books))
    for book_no in sorted(known_books):
        errors.append((books[book_no]["line"], f"chéquier {book_no} déjà connu"))
    for cheque_no in sorted(_existing_numbers(Cheque, list(seen_cheques))):
        errors.append((seen_cheques[cheque_no], f"chèque {cheque_no} déjà connu"))
    if not books and not errors:
        errors.append((max(line_no, 1), "fichier vide"))
    if errors:
        errors.sort()
        raise ImportRejected([f"Ligne {n} : {reason}." for n, reason in errors])
    try:
        return _import_batch_write(
            books=books,
            cheque_count=len(seen_cheques),
            file_name=file_name,
            envelope=envelope,
            membership=membership,
        )
    except IntegrityError as exc:
        raise ImportRejected(
            [
                "Rien n'a été importé : des numéros de ce fichier viennent d'être pris (par une "
                "impression ou un autre import). Réessayez pour voir lesquels."
            ]
        ) from exc


def _import_batch_write(*, books, cheque_count, file_name, envelope, membership):
    with transaction.atomic():
        # The print runs' lock: no run computes its first number while this file is written.
        counter_advance(name="chequebook", at_least=0)
        batch = ImportBatch.objects.create(
            file_name=file_name[:255],
            envelope=envelope,
            chequebook_count=len(books),
            cheque_count=cheque_count,
            created_by=membership.user,
        )
        chequebooks = Chequebook.objects.bulk_create(
            [
                Chequebook(
                    number=n,
                    vintage=b["vintage"],
                    envelope=envelope,
                    cheque_count=len(b["cheques"]),
                    import_batch=batch,
                )
                for n, b in books.items()
            ],
            batch_size=2000,
        )
        if not all(c.pk for c in chequebooks):
            chequebooks = list(batch.chequebooks.all())
        ids = {c.number: c.pk for c in chequebooks}
        Cheque.objects.bulk_create(
            (
                Cheque(
                    chequebook_id=ids[n],
                    number=cheque_no,
                    position=position,
                    code_hash=cheque_code_hash(code) if code else "",
                )
                for n, b in books.items()
                for position, (cheque_no, code, _line) in enumerate(sorted(b["cheques"]), 1)
            ),
            batch_size=5000,
        )
        journal.IMPORT_BATCH_CREATED.record(
            actor=membership.user,
            organisation=membership.organisation,
            target=batch,
            chequebooks=len(books),
            cheques=cheque_count,
        )
    return batch


def _existing_numbers(model, numbers: list[int]) -> set[int]:
    found: set[int] = set()
    if not numbers:
        return found
    ordered = sorted(numbers)
    for i in range(0, len(ordered), 900):
        part = ordered[i : i + 900]
        found.update(
            model.objects.filter(number__gte=part[0], number__lte=part[-1])
            .filter(number__in=part)
            .values_list("number", flat=True)
        )
    return found
