from django import template

from passnum.core.money import format_cents, format_number, format_percent
from passnum.core.text import french_count, french_date, french_phone, french_plural

register = template.Library()


@register.filter
def euros(cents):
    """{{ amount_cents|euros }} → 1 064 920,00 €"""
    return format_cents(cents)


@register.filter
def number(value):
    """{{ 9000|number }} → 9 000"""
    return format_number(value)


@register.simple_tag
def percent(part, whole):
    return format_percent(part, whole)


@register.filter
def iban(value):
    """{{ "FR7630006000011234567890189"|iban }} → FR76 3000 6000 0112 3456 7890 189 (the
    printed form of an IBAN, in groups of four)."""
    compact = "".join(str(value or "").split())
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@register.filter
def day(value, arg=""):
    """{{ d|day }} → « 1er janvier 2026 »; {{ d|day:"sans année" }} → « 1er janvier »;
    {{ dt|day:"heure" }} → « 1er janvier 2026 à 14:05 »; {{ d|day:"semaine" }} → « jeudi
    1er janvier »; {{ d|day:"semaine et année" }} → « jeudi 1er janvier 2026 ». The one
    filter for dates in words."""
    return french_date(
        value,
        year=arg in ("", "heure", "semaine et année"),
        time=arg == "heure",
        weekday=arg.startswith("semaine"),
    )


@register.filter
def phone(value):
    """{{ "0565681122"|phone }} → « 05 65 68 11 22 »."""
    return french_phone(value)


@register.simple_tag
def counted(count, singular, plural):
    """{% counted n "chèque encaissé" "chèques encaissés" %} → « 0 chèque encaissé »,
    « 2 chèques encaissés » (French: singular for 0 and 1)."""
    return french_count(count, singular, plural)


@register.simple_tag
def plural_of(count, singular, plural):
    """{% plural_of n "a" "ont" %} → the word alone, for the rest of a sentence."""
    return french_plural(count, singular, plural)


def form_error_items(form):
    """What a refused form's error summary lists: (anchor, label, message) per error, the
    form's own errors first (no anchor), then each field's, linked to its input (a radio or
    checkbox list: its group, whose first option takes the focus)."""
    items = [("", "", str(message)) for message in form.non_field_errors()]
    for field in form:
        for message in field.errors:
            anchor = field.id_for_label or field.auto_id or ""
            items.append(("" if field.is_hidden else anchor, str(field.label or ""), message))
    return items


@register.inclusion_tag("includes/_error_summary.html")
def error_summary(*forms, extra=(), title=""):
    """{% error_summary form %}: the box at the top of a refused form, which takes the focus
    (static/js/error-summary.js) and links to each field in error. base.html shows it for
    the page's ``form``; a page with other forms names them ({% error_summary a b %}) and a
    page with more to say adds ``extra`` items and a ``title``."""
    items = []
    for form in forms:
        if form is not None and hasattr(form, "errors"):
            items += form_error_items(form)
    items += list(extra or ())
    return {"items": items, "title": title}


@register.filter
def with_owner(name, owner):
    """{{ place.name|with_owner:place.organisation.name }} → « Espace Causses – Rouergue
    Numérique », or the place's name alone when it already holds its owner's (no « Médiathèque
    de Millau – Médiathèque de Millau »)."""
    name, owner = str(name or ""), str(owner or "")
    if not owner or owner.casefold() in name.casefold():
        return name
    return f"{name} – {owner}"
