"""Money formatting, euros typed in forms, gapless counters."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template import Context, Template

from passnum.core.forms import EurosField, cents_to_input, parse_euros
from passnum.core.models import Counter
from passnum.core.money import format_cents, format_number, format_percent
from passnum.core.services import counter_next

NBSP = "\u00a0"


def test_money_is_formatted_the_french_way_with_no_break_spaces():
    assert format_cents(106_492_000) == f"1{NBSP}064{NBSP}920,00{NBSP}€"
    assert format_cents(5) == f"0,05{NBSP}€"
    assert format_cents(-1040) == f"-10,40{NBSP}€"
    assert format_cents(123456, symbol=False) == f"1{NBSP}234,56"
    assert format_cents(None) == "—"


def test_numbers_and_percentages_are_formatted_the_french_way():
    assert format_number(9000) == f"9{NBSP}000"
    assert format_percent(245, 650) == f"37,7{NBSP}%"
    assert format_percent(1, 0) == "—"


def test_the_template_filters_are_builtins():
    rendered = Template("{{ c|euros }} {{ n|number }} {% percent 1 4 %}").render(
        Context({"c": 106_492_000, "n": 3000})
    )
    assert rendered == f"1{NBSP}064{NBSP}920,00{NBSP}€ 3{NBSP}000 25,0{NBSP}%"


@pytest.mark.parametrize(
    "typed,cents",
    [
        ("1 064 920,00", 106_492_000),
        (f"1{NBSP}064{NBSP}920,5", 106_492_050),
        ("300000", 30_000_000),
        ("10.40", 1040),
        ("9,60 €", 960),
    ],
)
def test_euros_typed_the_french_way_become_cents(typed, cents):
    assert parse_euros(typed) == cents


@pytest.mark.parametrize(
    "typed, message",
    [
        ("dix", "Saisissez un montant en euros"),
        ("1,234", "au plus deux chiffres après la virgule"),
        ("1,2,3", "Saisissez un montant en euros"),
        ("NaN", "Saisissez un montant en euros"),
    ],
)
def test_unreadable_or_over_precise_amounts_are_refused(typed, message):
    with pytest.raises(ValidationError, match=message):
        parse_euros(typed)


def test_the_euros_field_round_trips():
    field = EurosField()
    assert field.clean(cents_to_input(106_492_050)) == 106_492_050
    with pytest.raises(ValidationError, match="ne peut pas être négatif"):
        field.clean("-1")


@pytest.mark.django_db
def test_counter_next_gives_consecutive_numbers_without_gaps():
    assert counter_next(name="essai") == 1
    assert counter_next(name="essai", count=10) == 2
    assert counter_next(name="essai") == 12
    assert counter_next(name="autre") == 1


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_numbers_back():
    counter_next(name="rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        counter_next(name="rollback", count=5)
        raise RuntimeError("annulé")
    assert counter_next(name="rollback") == 2


@pytest.mark.django_db
def test_counter_next_refuses_a_non_positive_count():
    with pytest.raises(ValueError):
        counter_next(name="x", count=0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_never_get_the_same_number():
    Counter.objects.create(name="concurrent")
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    results.append(counter_next(name="concurrent", count=2))
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 80
    numbers = sorted(n for first in results for n in (first, first + 1))
    assert numbers == list(range(1, 161))


@pytest.mark.django_db
def test_the_demo_foundation_is_idempotent():
    from passnum.accounts.models import User
    from passnum.audit.models import JournalEntry
    from passnum.organisations.models import Membership, Organisation
    from passnum.programme.demo import DEMO_ACCOUNTS, demo_load_foundation

    def counts():
        return [m.objects.count() for m in (User, Organisation, Membership, JournalEntry)]

    ctx = demo_load_foundation()
    first = counts()
    demo_load_foundation()
    assert counts() == first
    for email, *_rest in DEMO_ACCOUNTS:
        assert ctx.users[email].check_password("passnum-demo")
        assert ctx.users[email].memberships.filter(is_active=True).count() == 1


def test_an_iban_prints_in_groups_of_four():
    from passnum.core.templatetags.passnum import iban

    assert iban("FR7630006000011234567890189") == "FR76 3000 6000 0112 3456 7890 189"
    assert iban("fr76 3000 6000") == "fr76 3000 6000"
    assert iban("") == ""


def test_a_services_refusal_goes_next_to_the_fields_it_names():
    from django import forms

    from passnum.core.forms import form_add_service_errors

    class _Form(forms.Form):
        name = forms.CharField(required=False)
        amount = forms.CharField(required=False)

    form = _Form({})
    assert form.is_valid()
    form_add_service_errors(
        form, ValidationError({"name": "Nom refusé.", "elsewhere": "Ailleurs refusé."})
    )
    assert form.errors["name"] == ["Nom refusé."]
    assert form.non_field_errors() == ["Ailleurs refusé."]

    form = _Form({})
    assert form.is_valid()
    form_add_service_errors(form, ValidationError("Refus général."), fallback_field="amount")
    assert form.errors["amount"] == ["Refus général."]
    assert not form.non_field_errors()
