"""Money is integer cents everywhere; this formats it the French way: 1 064 920,00 €."""

NBSP = "\u00a0"


def format_cents(cents: int | None, *, symbol: bool = True) -> str:
    if cents is None:
        return "—"
    cents = int(cents)
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", NBSP)
    text = f"{sign}{grouped},{rest:02d}"
    return f"{text}{NBSP}€" if symbol else text


def format_number(value: int | None) -> str:
    if value is None:
        return "—"
    return f"{int(value):,}".replace(",", NBSP)


def format_percent(part, whole, *, digits: int = 1) -> str:
    if not whole:
        return "—"
    value = 100 * part / whole
    return f"{value:.{digits}f}".replace(".", ",") + f"{NBSP}%"
