"""Issue 13, French done right: « 1er » for the first day of a month, phone numbers in groups
of two, journal sentences with their articles and the target's common noun in lower case,
counts with their nouns (French: singular for 0 and 1), no "(s)" anywhere, the skip link
hidden until focused."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template

from passnum.audit.events import ENTRY_FIELDS
from passnum.audit.models import JournalEntry
from passnum.audit.sentences import COMMON_NOUNS, EVENTS, sentence_for
from passnum.core.dates import PARIS
from passnum.core.text import french_count, french_date, french_phone

NBSP = "\u00a0"
TEMPLATES = Path(settings.BASE_DIR) / "templates"

#: A name of each kind of journal target, as its model's __str__ writes it.
TARGETS = [
    "Chéquier 1042",
    "Chèque 104201",
    "Orientation n° 16",
    "Millésime 2026",
    "Personne n° 3",
    "Relevé n° 2026-0007",
    "Convention Rouergue Numérique (2026)",
    "Impression n° 4",
    "Dérogation n° 2",
    "Maison des solidarités de Rodez",
]
#: The name of each event's target, by the thing its code names (the others: a proper noun).
TARGET_OF = {
    "chequebook": "Chéquier 1042",
    "cheque": "Chèque 104201",
    "referral": "Orientation n° 16",
    "vintage": "Millésime 2026",
    "beneficiary": "Personne n° 3",
    "assessment": "Personne n° 3",
    "statement": "Relevé n° 2026-0007",
    "agreement": "Convention Rouergue Numérique (2026)",
    "print_run": "Impression n° 4",
    "exception": "Dérogation n° 2",
    "import_batch": "Import stock.csv",
    "report": "Rapport du 01/11/2026 au 30/11/2026",
    "export": "Export n° 3",
    "activity": "Activité n° 5",
    "appointment": "Rendez-vous n° 5",
    "reminder": "Personne n° 3",
}
ARTICLE_THEN_NOUN = re.compile(
    r"(?:\b(?:le|la|les|du|de|des|au|aux|à)\s|\b[lLdD]')(" + "|".join(COMMON_NOUNS) + r")\b"
)


def test_the_first_of_the_month_is_an_ordinal():
    assert french_date(datetime.date(2026, 1, 1)) == "1er janvier 2026"
    assert french_date(datetime.date(2026, 1, 2)) == "2 janvier 2026"
    assert french_date(datetime.date(2026, 3, 1), year=False) == "1er mars"
    # A datetime reads in Paris: 31 December 23:30 UTC is already 1 January there.
    late = datetime.datetime(2025, 12, 31, 23, 30, tzinfo=datetime.UTC)
    assert french_date(late, time=True) == "1er janvier 2026 à 00:30"
    assert french_date(None) == ""


def test_the_day_filter_is_the_templates_one():
    out = Template('{{ d|day }} · {{ d|day:"sans année" }} · {{ t|day:"heure" }}').render(
        Context(
            {"d": datetime.date(2026, 5, 1), "t": datetime.datetime(2026, 5, 1, 9, 5, tzinfo=PARIS)}
        )
    )
    assert out == "1er mai 2026 · 1er mai · 1er mai 2026 à 09:05"


def test_no_template_writes_a_date_in_words_without_the_filter():
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.*")
        if re.search(r'date:"j F', path.read_text())
    ]
    # The reporting and vintage pages are the dashboard's issue (13, items 3-4).
    left = ("reporting/", "chequebooks/vintage_reconciliation.html")
    assert not [p for p in offenders if not p.startswith(left)], offenders


@pytest.mark.parametrize(
    "typed, shown",
    [
        ("0565681122", f"05{NBSP}65{NBSP}68{NBSP}11{NBSP}22"),
        ("05 65 68 11 22", f"05{NBSP}65{NBSP}68{NBSP}11{NBSP}22"),
        ("05.65.68.11.22", f"05{NBSP}65{NBSP}68{NBSP}11{NBSP}22"),
        ("+33565681122", f"+33 5 65{NBSP}68{NBSP}11{NBSP}22"),
        ("112", "112"),
        ("", ""),
    ],
)
def test_phone_numbers_are_grouped_by_two(typed, shown):
    assert french_phone(typed) == shown
    assert Template("{{ p|phone }}").render(Context({"p": typed})) == shown


@pytest.mark.parametrize("n, expected", [(0, "0 chèque"), (1, "1 chèque"), (2, "2 chèques")])
def test_a_count_takes_the_singular_for_0_and_1(n, expected):
    assert french_count(n, "chèque", "chèques") == expected
    out = Template('{% counted n "chèque" "chèques" %}/{% plural_of n "a" "ont" %}')
    assert out.render(Context({"n": n})) == f"{expected}/{'ont' if n > 1 else 'a'}"
    assert french_count(1250, "chèque", "chèques") == f"1{NBSP}250 chèques"


def _entry(code, details, target):
    return JournalEntry(action=code, details=details, target_repr=target)


@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_journal_sentence_reads_with_counts_0_1_and_2(n):
    """Each declared sentence, its details all set to ``n``: a count reads with its noun in
    the right number, no placeholder or "(s)" is left, and no article is followed by a
    capitalised common noun (« de Orientation n° 16 », « le Chéquier »)."""
    for code, declared in EVENTS.items():
        details = dict.fromkeys((*declared.details, *declared.optional), n)
        counted = re.findall(r"\{(\w+):([^|}]+)\|([^}]+)\}", declared.sentence)
        for target in TARGETS:
            sentence = sentence_for(_entry(code, details, target))
            assert "{" not in sentence and "(s)" not in sentence and "(e)" not in sentence, code
            assert not ARTICLE_THEN_NOUN.search(sentence), (code, sentence)
            assert "de le " not in sentence and "à le " not in sentence, (code, sentence)
            for _, singular, plural in counted:
                assert f"{n} {plural if n > 1 else singular}" in sentence, (code, sentence)
        # With its own target: « l' » and « d' » only before a vowel or an h.
        own = TARGET_OF.get(code.split(".")[1], "Maison des solidarités de Rodez")
        sentence = sentence_for(_entry(code, details, own))
        assert not re.search(r"\b[lLdD]'[^aeiouéèêhAEIOUÉ]", sentence), (code, sentence)


def test_journal_sentences_name_things_with_their_articles():
    def read(code, target, **details):
        return sentence_for(_entry(code, details, target))

    assert (
        read(
            "chequebooks.chequebook.handed_over",
            "Chéquier 4",
            beneficiary_id=1,
            rank=1,
            exception_id=None,
            replaces=None,
        )
        == "Le système a remis le chéquier 4"
    )
    assert read("orientation.referral.sheet_printed", "Orientation n° 16") == (
        "Le système a imprimé la fiche de l'orientation n° 16"
    )
    assert read("chequebooks.vintage.frozen", "Millésime 2025") == (
        "Les remises du millésime 2025 ont été gelées (J-15)"
    )
    # A proper noun keeps its case; a quoted name is left as it is.
    assert read("organisations.organisation.updated", "Accueil de Rodez", fields="nom") == (
        "Le système a modifié la structure Accueil de Rodez : nom"
    )
    assert "« Enveloppe CD12 »" in read(
        "programme.envelope.updated", "Enveloppe CD12", old=1, new=2
    )
    # An entry's target placeholder at the start of a sentence keeps its capital.
    assert read("chequebooks.print_run.failed", "Impression n° 3", error="x").startswith(
        "L'impression n° 3"
    )
    # A count in a sentence: 0 and 1 singular.
    assert "(1 chéquier)" in read(
        "chequebooks.print_run.created", "Impression n° 3", count=1, first=1, last=1
    )


def test_every_entry_field_is_still_the_only_free_placeholder():
    for code, declared in EVENTS.items():
        free = declared.placeholders() - set(declared.details) - set(declared.optional)
        assert free <= set(ENTRY_FIELDS), code


def _counted_phrases():
    """Every {% counted %} and {% plural_of %} of the templates, with the file it is in."""
    tag = re.compile(r'\{%\s*(counted|plural_of)\s+\S+\s+"([^"]*)"\s+"([^"]*)"\s*%\}')
    for path in sorted(TEMPLATES.rglob("*.*")):
        for name, singular, plural in tag.findall(path.read_text()):
            yield str(path.relative_to(TEMPLATES)), name, singular, plural


@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_counted_phrase_of_the_templates_reads_with_0_1_and_2(n):
    phrases = list(_counted_phrases())
    assert len(phrases) > 20
    for where, name, singular, plural in phrases:
        out = Template(f'{{% {name} n "{singular}" "{plural}" %}}').render(Context({"n": n}))
        word = plural if n > 1 else singular
        assert out == (f"{n} {word}" if name == "counted" else word), where


def test_no_template_writes_a_plural_in_brackets_or_an_english_plural():
    """No "(s)" nor "(e)" in any template; no ``|pluralize`` (its singular is for 1 only:
    « 0 chèques ») outside the reporting pages, which the dashboard's issue rewrites."""
    for path in TEMPLATES.rglob("*.*"):
        text = path.read_text()
        where = str(path.relative_to(TEMPLATES))
        assert "(s)" not in text and "(e)" not in text, where
        if not where.startswith("reporting/"):
            assert "|pluralize" not in text, where


def test_the_skip_link_shows_nothing_until_it_has_the_focus():
    css = (Path(settings.BASE_DIR) / "static/css/passnum.css").read_text()
    rule = re.search(r"\.skip-link:not\(:focus\)\s*\{([^}]*)\}", css)
    assert rule, "the skip link is hidden by a :not(:focus) rule"
    assert "clip-path: inset(50%)" in rule.group(1) and "border: 0" in rule.group(1)


def test_a_place_named_after_its_mediator_is_not_named_twice():
    out = Template("{{ a|with_owner:b }} / {{ c|with_owner:b }}").render(
        Context(
            {
                "a": "Médiathèque de Millau – espace numérique",
                "b": "Médiathèque de Millau – espace numérique",
                "c": "Espace des Causses",
            }
        )
    )
    assert out == (
        "Médiathèque de Millau – espace numérique / "
        "Espace des Causses – Médiathèque de Millau – espace numérique"
    )
    step_4 = (TEMPLATES / "orientation/flow_refer.html").read_text()
    assert "place.name|with_owner:place.organisation.name" in step_4
