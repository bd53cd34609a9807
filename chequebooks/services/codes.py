"""Security codes and QR codes of cheques: generated, stored as keyed hashes, read back."""

import hashlib
import hmac
import re
import secrets

import segno
from django.conf import settings
from django.core.exceptions import ValidationError

from passnum.core.numbers import BIGINT_MAX, NOT_A_NUMBER, parse_number

# --- Security codes ---------------------------------------------------------------------------

#: Upper-case letters and digits without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
CODE_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
CODE_LENGTH = 8


def cheque_code_generate() -> str:
    """Rule: a security code has ``CODE_LENGTH`` characters drawn with ``secrets`` from an
    alphabet without look-alike characters (23 symbols: about 36 bits for 8 characters)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def cheque_code_hash(code: str) -> str:
    """Rule: a cheque's security code is stored only as a keyed hash (HMAC-SHA256 with
    PASSNUM_CHEQUE_CODE_KEY, a key kept outside the database), so a copy of the database
    does not reveal usable codes. Codes are compared case-insensitively, without spaces."""
    normalised = code.strip().replace(" ", "").replace("-", "").upper()
    return hmac.new(
        settings.PASSNUM_CHEQUE_CODE_KEY.encode(), normalised.encode(), hashlib.sha256
    ).hexdigest()


def cheque_code_matches(*, cheque, code: str) -> bool:
    return bool(cheque.code_hash) and hmac.compare_digest(cheque.code_hash, cheque_code_hash(code))


# --- QR code content --------------------------------------------------------------------------

#: The QR code of a cheque carries ``PASSNUM:<cheque number>:<security code>``. A scanner
#: acting as a keyboard types exactly this text into the redemption form's field.
QR_PREFIX = "PASSNUM"
_QR_PATTERN = re.compile(
    r"^\s*PASSNUM\s*[:;]\s*(\d{1,18})\s*[:;]\s*([A-Za-z0-9 -]{4,32})\s*$",
    re.IGNORECASE | re.ASCII,
)


def cheque_qr_text(*, number: int, code: str) -> str:
    return f"{QR_PREFIX}:{number}:{code}"


def cheque_qr_parse(text: str) -> tuple[int, str]:
    """Read what a scanner typed: ``PASSNUM:<number>:<code>`` → ``(number, code)``.

    Scanners configured for an AZERTY keyboard sometimes type ``;`` for ``:``; both are
    accepted, case-insensitively. Anything else raises ValidationError."""
    match = _QR_PATTERN.match(text or "")
    if not match:
        raise ValidationError("Ce QR code n'est pas celui d'un chèque Pass numérique.")
    return int(match.group(1)), match.group(2).replace(" ", "").replace("-", "").upper()


def cheque_scan_read(text) -> tuple[int, str | None]:
    """What a person typed or a scanner typed for a cheque or a chequebook: a QR code's
    content (``PASSNUM:<number>:<code>``, ``cheque_qr_parse``) → ``(number, code)``; a number
    (``parse_number``: ASCII digits, spaces and dashes allowed, within a bigint) →
    ``(number, None)``. Anything else raises ValidationError with a French message."""
    text = str(text or "").strip()
    if text.upper().startswith(QR_PREFIX) or ":" in text or ";" in text:
        return cheque_qr_parse(text)
    try:
        return parse_number(text, min_value=1, max_value=BIGINT_MAX), None
    except ValidationError as exc:
        raise ValidationError(
            "Saisissez un numéro en chiffres (0 à 9) ou scannez le QR code du chèque. "
            + " ".join(m for m in exc.messages if m != NOT_A_NUMBER)
        ) from exc


def cheque_qr_svg(*, number: int, code: str) -> str:
    """The QR code of a cheque as inline SVG markup (no XML declaration), for the print file.
    Inline, so WeasyPrint draws it as vectors without fetching any URL."""
    qr = segno.make(cheque_qr_text(number=number, code=code), error="m", micro=False)
    return qr.svg_inline(scale=4, border=1, omitsize=True)
