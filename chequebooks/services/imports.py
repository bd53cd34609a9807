"""Stock delivered by an external operator, imported from its CSV file (all or nothing)."""

import csv
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from passnum.core.exports import cell_is_formula
from passnum.core.forms import parse_euros
from passnum.core.numbers import BIGINT_MAX, parse_number
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

_CODE_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$", re.ASCII)
COLUMNS = 5
#: How to save a file the import reads, told with every refusal of the file's encoding.
SAVE_AS_UTF8 = (
    "Dans Excel : Fichier › Enregistrer sous › « CSV UTF-8 (délimité par des virgules) » ; "
    "dans LibreOffice : Enregistrer sous › CSV, jeu de caractères « Unicode (UTF-8) »."
)


class ImportRejected(ValidationError):
    """The whole file is refused; ``messages`` name each bad line and its reason."""


def _file_refused(message: str) -> ImportRejected:
    return ImportRejected({"file": [message]})


def import_file_decode(data: bytes) -> str:
    """The operator's file as text, or a named refusal of the whole file (on ``file``).

    Rules: at most ``PASSNUM_IMPORT_MAX_BYTES``; not empty; not a spreadsheet (XLSX, XLS, ODS)
    nor any binary file (NUL bytes, control characters); UTF-8 with or without a BOM, else
    Windows-1252 (what a French Excel saves as « CSV (séparateur : point-virgule) ») read as
    such; any other encoding refused with how to save as UTF-8 (``SAVE_AS_UTF8``)."""
    limit = settings.PASSNUM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _file_refused(
            f"Fichier trop gros ({len(data) // 1024} Ko, au plus {limit // 1024} Ko) : "
            "découpez-le en plusieurs fichiers."
        )
    if not data.strip():
        raise _file_refused("Fichier vide : il ne contient aucune ligne.")
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise _file_refused(
            "C'est un classeur (Excel ou LibreOffice), pas un fichier CSV. " + SAVE_AS_UTF8
        )
    if b"\x00" in data:
        raise _file_refused(
            "Le fichier contient des octets nuls : c'est un fichier binaire ou un texte en "
            "UTF-16, pas un CSV. " + SAVE_AS_UTF8
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _file_refused(
                "Encodage du fichier non reconnu (ni UTF-8 ni Windows-1252). " + SAVE_AS_UTF8
            ) from None
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise _file_refused(
            "Le fichier contient des caractères de contrôle : ce n'est pas un fichier texte. "
            + SAVE_AS_UTF8
        )
    return text


def _lines(text: str) -> list[str]:
    """Lines whatever their ending: CR LF (Windows), LF, or CR alone (old Mac Excel)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _line_number(text: str, *, min_value: int, max_value: int, what: str) -> tuple[int | None, str]:
    try:
        return parse_number(text, min_value=min_value, max_value=max_value), ""
    except ValidationError as exc:
        shown = text if len(text) <= 30 else text[:30] + "…"
        return None, f"{what} « {shown} » : {exc.messages[0]}"


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
    if len(text) > settings.PASSNUM_IMPORT_MAX_BYTES:
        raise _file_refused(
            f"Fichier trop gros (au plus {settings.PASSNUM_IMPORT_MAX_BYTES // 1024} Ko) : "
            "découpez-le en plusieurs fichiers."
        )
    if "\x00" in text:
        raise _file_refused("Le fichier contient des octets nuls : ce n'est pas un CSV.")
    lines = _lines(text)
    sample = "\n".join(lines[:20])
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    max_chars = settings.PASSNUM_IMPORT_MAX_LINE_CHARS
    vintages = {v.year: v for v in Vintage.objects.filter(programme_id=envelope.programme_id)}
    books: dict[int, dict] = {}
    seen_cheques: dict[int, int] = {}
    #: The chequebook each line names (when its number reads), to spare the size check to
    #: chequebooks that have a rejected line.
    line_books: dict[int, int] = {}
    line_no = 0
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if len(line) > max_chars:
            errors.append(
                (line_no, f"ligne trop longue ({len(line)} caractères, au plus {max_chars})")
            )
            continue
        if '"' in line:  # quoted cells: csv's reading, one line at a time
            try:
                row = next(csv.reader([line], delimiter=delimiter, strict=True))
            except csv.Error:
                errors.append((line_no, "ligne mal formée (guillemets non refermés)"))
                continue
        else:
            row = line.split(delimiter)
        if all(not c.strip() for c in row):
            continue
        if line_no == 1 and row[0].strip().lower().lstrip("\ufeff").startswith(
            ("numero", "numéro")
        ):
            continue  # header
        formula = next((c.strip() for c in row if cell_is_formula(c.strip())), None)
        if formula is not None:
            shown = formula if len(formula) <= 30 else formula[:30] + "…"
            errors.append((line_no, f"formule de tableur refusée (« {shown} »)"))
            continue
        if len(row) != COLUMNS:
            what = "colonne en trop" if len(row) > COLUMNS else "colonne manquante"
            errors.append(
                (
                    line_no,
                    f"ligne mal formée ({what} : {len(row)} colonnes au lieu de {COLUMNS})",
                )
            )
            continue
        book_txt, cheque_txt, code, year_txt, value_txt = (c.strip() for c in row)
        book_no, book_error = _line_number(
            book_txt, min_value=1, max_value=BIGINT_MAX, what="numéro de chéquier"
        )
        if book_no is not None:
            line_books[line_no] = book_no
        cheque_no, cheque_error = _line_number(
            cheque_txt, min_value=1, max_value=BIGINT_MAX, what="numéro de chèque"
        )
        year, year_error = _line_number(year_txt, min_value=1, max_value=9999, what="millésime")
        reason = book_error or cheque_error or year_error
        if reason:
            errors.append((line_no, f"ligne mal formée ({reason})"))
            continue
        if code and not _CODE_RE.match(code):
            errors.append((line_no, "ligne mal formée (code de sécurité invalide)"))
            continue
        try:
            value = parse_euros(value_txt)
        except ValidationError:
            value = None
        if value is None:
            shown = value_txt if len(value_txt) <= 30 else value_txt[:30] + "…"
            errors.append((line_no, f"ligne mal formée (valeur faciale « {shown} »)"))
            continue
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
        raise _file_refused("Fichier vide : il ne contient aucune ligne de chèque.")
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
