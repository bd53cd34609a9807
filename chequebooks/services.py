"""Cheque stock services. (Being written: see issue 3.)"""

import hashlib
import hmac

from django.conf import settings


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
