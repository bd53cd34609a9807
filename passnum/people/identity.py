"""A person's identity key: how two records are known to be the same person.

Rule: two records are the same person when their last name, first name and birth date are the
same once normalised (lower case, no accents, hyphens and apostrophes as spaces, spaces
collapsed). The key ``"last|first|birth date"`` is stored on the record
(``Beneficiary.identity_key``) so that duplicates are found without showing anyone another
organisation's record. An anonymised record has no key: it is nobody's duplicate any more."""

import unicodedata

from django.db.models import OuterRef, Q


def identity_normalise(text: str) -> str:
    """Lower case, no accents, hyphens and apostrophes as spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for sep in "-'’.,_":
        text = text.replace(sep, " ")
    return " ".join(text.split())


def identity_key_for(*, first_name: str, last_name: str, birth_date) -> str:
    """Normalised "last|first|birth date": the same person typed differently gives one key."""
    date = birth_date.isoformat() if birth_date else ""
    return f"{identity_normalise(last_name)}|{identity_normalise(first_name)}|{date}"


def same_identity_q(key: str, prefix: str = "") -> Q:
    """The records (not anonymised) carrying the identity key ``key`` (``prefix`` leads to the
    person, e.g. ``"beneficiary__"``). An empty key matches nothing."""
    if not key:
        return Q(pk__in=[])
    return Q(**{f"{prefix}identity_key": key, f"{prefix}anonymised_at__isnull": True})


def same_person_q(beneficiary, prefix: str = "") -> Q:
    """This record and every other record of the same person (``same_identity_q`` of its key).
    ``prefix`` leads to the person, e.g. ``"beneficiary__"``."""
    own = Q(**{f"{prefix}pk": beneficiary.pk})
    if not beneficiary.identity_key:
        return own
    return own | same_identity_q(beneficiary.identity_key, prefix)


def same_person_as_outer_q(prefix: str = "") -> Q:
    """``same_person_q`` of the outer query's person, for a subquery (``Exists``) annotating a
    list of people: the outer record and the records, not anonymised, with its identity key."""
    return Q(**{f"{prefix}pk": OuterRef("pk")}) | (
        Q(**{f"{prefix}identity_key": OuterRef("identity_key")})
        & ~Q(**{f"{prefix}identity_key": ""})
        & Q(**{f"{prefix}anonymised_at__isnull": True})
    )


def birth_decade_for(birth_date) -> str:
    """The decade of birth kept after anonymisation ("1960-1969"), so figures by age stay
    right."""
    if not birth_date:
        return ""
    start = birth_date.year - birth_date.year % 10
    return f"{start}-{start + 9}"
