"""Every field error is tied to its field: the input says it is invalid and points, through
aria-describedby, to an element of the page that holds the message (RGAA 11.10, 11.11)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from passnum.programme.models import BudgetLine
from tests.factories import evaluator_membership, manager_membership

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: dict[str, str] = {}
        self.inputs: list[dict] = []
        self._open: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] = tag
            self.texts.setdefault(attrs["id"], [])
        if tag in {"input", "select", "textarea", "fieldset"}:
            self.inputs.append(attrs)
        if tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self._open.append(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if self._open and tag not in {"input", "br", "img", "meta", "link", "hr"}:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.texts[element_id].append(data)


def invalid_fields(html: str) -> dict[str, str]:
    """name of each input marked invalid → the text of the elements it is described by.
    Fails if an aria-describedby points to an id the page does not have."""
    page = _Page()
    page.feed(html)
    found = {}
    for attrs in page.inputs:
        references = (attrs.get("aria-describedby") or "").split()
        for reference in references:
            assert reference in page.ids, f"aria-describedby={reference!r} has no element"
        if attrs.get("aria-invalid") == "true":
            found[attrs.get("name", "")] = " ".join(
                "".join(page.texts[r]) for r in references if r in page.texts
            )
    return found


def test_a_budget_amount_error_is_announced_with_its_field(client, login, reference_data):
    login(manager_membership())
    line = BudgetLine.objects.first()
    response = client.post(
        reverse("programme:budget_line_edit", args=[line.pk]),
        {"funder": line.funder_id, "label": "X", "amount_cents": "beaucoup"},
    )
    assert response.status_code == 200
    fields = invalid_fields(response.content.decode())
    assert "Saisissez un montant" in fields["amount_cents"]


def test_a_password_change_error_is_announced_with_its_field(client, login):
    login(evaluator_membership())
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "pas-le-bon", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    fields = invalid_fields(response.content.decode())
    assert "oldpassword" in fields
    assert fields["oldpassword"].strip(), "the message is not in the element it points to"


def test_pages_without_errors_point_only_to_existing_elements(client, login, reference_data):
    login(manager_membership())
    for name in ["account_change_password", "programme:budget"]:
        assert invalid_fields(client.get(reverse(name)).content.decode()) == {}
