from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from passnum.core.forms import form_add_service_errors
from passnum.territory.models import Commune, Epci

from .models import ROLES_BY_KIND, FrontDeskType, Organisation, OrganisationKind, Role
from .services import organisation_check


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "kind",
            "name",
            "side",
            "epci",
            "front_desk_type",
            "commune",
            "address",
            "phone",
            "email",
            "is_active",
        ]
        help_texts = {
            "side": (
                "Pour un accueil de 1er niveau seulement : le côté CD12, ou son intercommunalité."
            ),
            "epci": "Obligatoire pour une intercommunalité et pour un accueil du côté EPCI.",
            "front_desk_type": "Obligatoire pour un accueil de 1er niveau, vide pour les autres.",
            "is_active": "Une structure inactive n'apparaît plus dans les choix ; ses membres ne "
            "peuvent plus agir pour elle. Rien n'est effacé.",
        }
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epci"].queryset = Epci.objects.order_by("name")
        self.fields["commune"].queryset = Commune.objects.order_by("name")
        # The types still offered, and the one this desk already has.
        self.fields["front_desk_type"].queryset = FrontDeskType.objects.filter(
            Q(is_active=True) | Q(pk=self.instance.front_desk_type_id)
        )
        self.fields["front_desk_type"].empty_label = "Sans objet"
        self.fields["side"].choices = [("", "Sans objet")] + list(self.fields["side"].choices)[1:]
        if self.instance.kind != OrganisationKind.OWNER:
            # The programme owner (CD12) exists once; managers create the other kinds.
            self.fields["kind"].choices = [
                c for c in self.fields["kind"].choices if c[0] != OrganisationKind.OWNER
            ]

    def clean(self):
        """The rules of services.organisation_check, shown next to their field."""
        cleaned = super().clean()
        probe = Organisation(
            kind=cleaned.get("kind") or "",
            side=cleaned.get("side") or "",
            epci=cleaned.get("epci"),
            front_desk_type=cleaned.get("front_desk_type"),
        )
        try:
            organisation_check(probe)
        except ValidationError as exc:
            form_add_service_errors(self, exc)
        return cleaned

    def _post_clean(self):
        # Once a rule is broken and shown next to its field, the database constraint that
        # repeats it would only add a second, vaguer message.
        if self.errors:
            return
        super()._post_clean()


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label="Prénom", max_length=150, required=False)
    last_name = forms.CharField(label="Nom", max_length=150, required=False)
    role = forms.ChoiceField(label="Rôle")

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        roles = ROLES_BY_KIND[organisation.kind]
        self.fields["role"].choices = [(r.value, Role(r).label) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0].value


class FrontDeskTypeForm(forms.ModelForm):
    class Meta:
        model = FrontDeskType
        fields = ["label", "position", "is_active"]

    def _post_clean(self):
        # The service checks the label's uniqueness (case ignored) and says it in French.
        if self.errors:
            return
