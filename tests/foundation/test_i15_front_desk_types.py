"""Issue 15, front-desk types: the programme's list, edited by managers, required for front
desks (and only for them), shown on the organisation's pages."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from passnum.audit.models import JournalEntry
from passnum.organisations.models import FrontDeskType, Organisation, OrganisationKind
from passnum.territory.models import Side
from tests.factories import (
    FrontDeskFactory,
    MediatorOrganisationFactory,
    evaluator_membership,
    manager_membership,
)

pytestmark = pytest.mark.django_db

PROGRAMME_TYPES = [
    "Travailleurs sociaux",
    "Maison des solidarités départementale (MSD)",
    "CAF",
    "Mission locale",
    "SAVS / CCAS",
    "Maison France Services (MFS)",
    "PIS",
    "EEF",
]


def test_the_programme_s_eight_types_are_there_in_order():
    assert list(FrontDeskType.objects.values_list("label", flat=True)) == PROGRAMME_TYPES


def test_a_new_front_desk_without_a_type_is_refused_next_to_the_field(client, login):
    login(manager_membership())
    response = client.post(
        reverse("organisations:new"),
        {"kind": OrganisationKind.FRONT_DESK, "name": "Sans type", "side": Side.CD12},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["front_desk_type"] == [
        "Choisissez le type de cet accueil."
    ]
    assert not Organisation.objects.filter(name="Sans type").exists()


def test_a_new_front_desk_gets_its_type_and_its_page_shows_it(client, login):
    login(manager_membership())
    caf = FrontDeskType.objects.get(label="CAF")
    response = client.post(
        reverse("organisations:new"),
        {"kind": OrganisationKind.FRONT_DESK, "name": "CAF de Millau", "side": Side.CD12,
         "front_desk_type": caf.pk},
    )  # fmt: skip
    desk = Organisation.objects.get(name="CAF de Millau")
    assert response.url == reverse("organisations:detail", args=[desk.pk])
    assert desk.front_desk_type == caf
    page = client.get(response.url).content.decode()
    assert "<dt>Type d'accueil</dt><dd>CAF</dd>" in page


def test_only_a_front_desk_has_a_type(client, login):
    login(manager_membership())
    response = client.post(
        reverse("organisations:new"),
        {"kind": OrganisationKind.MEDIATOR, "name": "Médiateur typé",
         "front_desk_type": FrontDeskType.objects.first().pk},
    )  # fmt: skip
    assert "front_desk_type" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Médiateur typé").exists()
    # And the database says so too.
    with pytest.raises(IntegrityError), transaction.atomic():
        MediatorOrganisationFactory(front_desk_type=FrontDeskType.objects.first())


def test_the_organisation_list_filters_by_type(client, login):
    login(manager_membership())
    FrontDeskFactory(name="Le CCAS", front_desk_type=FrontDeskType.objects.get(label="SAVS / CCAS"))
    FrontDeskFactory(name="La CAF", front_desk_type=FrontDeskType.objects.get(label="CAF"))
    response = client.get(
        reverse("organisations:list"),
        {"front_desk_type": FrontDeskType.objects.get(label="CAF").pk},
    )
    names = [o.name for o in response.context["table"].data]
    assert names == ["La CAF"]


def test_a_manager_adds_renames_and_withdraws_a_type_journaled(client, login):
    login(manager_membership())
    url = reverse("programme:front_desk_types")
    response = client.post(url, {"label": "Centre social", "position": 9, "is_active": "on"})
    assert response.url == url
    kind = FrontDeskType.objects.get(label="Centre social")
    response = client.post(
        reverse("programme:front_desk_type_edit", args=[kind.pk]),
        {"label": "Centres sociaux", "position": 9},
    )
    kind.refresh_from_db()
    assert (kind.label, kind.is_active) == ("Centres sociaux", False)
    sentences = [
        e.sentence
        for e in JournalEntry.objects.filter(
            action__startswith="organisations.front_desk_type"
        ).order_by("id")
    ]
    assert "a ajouté le type d'accueil « Centre social »" in sentences[0]
    assert "type d'accueil : Centre social → Centres sociaux" in sentences[1]
    assert "proposé : oui → non" in sentences[1]
    # A type no longer offered is not offered to a new desk, but stays on the desks that have it.
    client.get(reverse("organisations:new"))
    form = client.get(reverse("organisations:new")).context["form"]
    assert kind not in form.fields["front_desk_type"].queryset
    desk = FrontDeskFactory(front_desk_type=kind)
    form = client.get(reverse("organisations:edit", args=[desk.pk])).context["form"]
    assert kind in form.fields["front_desk_type"].queryset


def test_a_duplicate_type_is_refused_in_french(client, login):
    login(manager_membership())
    response = client.post(reverse("programme:front_desk_types"), {"label": "caf", "position": 1})
    assert response.context["form"].errors["label"] == ["Ce type d'accueil existe déjà."]
    assert FrontDeskType.objects.filter(label__iexact="caf").count() == 1


def test_only_managers_edit_the_types(client, login):
    login(evaluator_membership())
    kind = FrontDeskType.objects.first()
    assert client.get(reverse("programme:front_desk_types")).status_code == 404
    response = client.post(
        reverse("programme:front_desk_type_edit", args=[kind.pk]), {"label": "X", "position": 1}
    )
    assert response.status_code == 404
    kind.refresh_from_db()
    assert kind.label != "X"


def test_a_guessed_type_id_is_a_404(client, login):
    login(manager_membership())
    assert client.get(reverse("programme:front_desk_type_edit", args=[99999])).status_code == 404


def test_the_types_page_query_budget(client, login, django_assert_max_num_queries):
    login(manager_membership())
    for label in ["CAF", "PIS"]:
        FrontDeskFactory(front_desk_type=FrontDeskType.objects.get(label=label))
    with django_assert_max_num_queries(10):
        response = client.get(reverse("programme:front_desk_types"))
    assert "CAF (1 accueil)" in response.content.decode()
