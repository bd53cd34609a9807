from django import forms

from passnum.core.bounds import BoundedDateField
from passnum.core.forms import EurosField
from passnum.core.numbers import NumberField
from passnum.territory.models import Epci, Side

from .models import BudgetLine, Funder, Programme, TargetPublic, Vintage


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Nom du programme", max_length=200)
    start_year = forms.IntegerField(label="Première année", min_value=2000, max_value=2100)
    end_year = forms.IntegerField(label="Dernière année", min_value=2000, max_value=2100)

    def __init__(self, *args, instance: Programme, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "name": instance.name,
                "start_year": instance.start_year,
                "end_year": instance.end_year,
            },
        )
        super().__init__(*args, **kwargs)


class FunderForm(forms.ModelForm):
    class Meta:
        model = Funder
        fields = ["name"]


class BudgetLineForm(forms.Form):
    funder = forms.ModelChoiceField(label="Financeur", queryset=Funder.objects.none())
    label = forms.CharField(label="Intitulé", max_length=200)
    year = NumberField(
        label="Année",
        min_value=2000,
        max_value=2100,
        required=False,
        help_text="Laissez vide pour une ligne qui vaut pour tout le programme.",
    )
    amount_cents = EurosField(label="Montant")

    def __init__(self, *args, programme, instance: BudgetLine | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "funder": instance.funder_id,
                    "label": instance.label,
                    "year": instance.year,
                    "amount_cents": instance.amount_cents,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Funder.objects.filter(programme=programme)


class EnvelopesForm(forms.Form):
    """The CD12 envelope and one field per partner EPCI, in chequebooks."""

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        targets = {e.epci_id: e.chequebook_target for e in programme.envelopes.all()}
        self.fields["cd12"] = NumberField(
            label="Enveloppe du Département (CD12)", initial=targets.get(None, 0)
        )
        self.epci_fields = []
        for epci in Epci.objects.filter(is_partner=True).order_by("name"):
            name = f"epci_{epci.pk}"
            self.fields[name] = NumberField(label=epci.name, initial=targets.get(epci.pk, 0))
            self.epci_fields.append((name, epci))

    def targets(self) -> dict:
        result = {None: self.cleaned_data["cd12"]}
        for name, epci in self.epci_fields:
            result[epci.pk] = self.cleaned_data[name]
        return result

    def cd12_field(self):
        return self["cd12"]

    def epci_bound_fields(self):
        return [self[name] for name, _ in self.epci_fields]


class VintageForm(forms.Form):
    year = forms.IntegerField(label="Millésime (année)", min_value=2000, max_value=2100)
    valid_from = BoundedDateField(label="Valable du")
    valid_until = BoundedDateField(
        label="Valable jusqu'au",
        help_text="Pour le millésime N : du 1er janvier N au 31 janvier N+1.",
    )
    face_value_cents = EurosField(label="Valeur faciale d'un chèque", min_cents=1)
    commissioner_cost_cents = EurosField(label="Coût pour le commanditaire, par chèque")
    mediator_net_cents = EurosField(label="Net versé au médiateur, par chèque")
    cheques_per_chequebook = forms.TypedChoiceField(
        label="Chèques par chéquier", choices=[(10, "10 chèques"), (5, "5 chèques")], coerce=int
    )
    handover_frozen = forms.BooleanField(
        label="Remises gelées (les accueils ne remettent plus de chéquiers de ce millésime)",
        required=False,
    )

    def __init__(self, *args, instance: Vintage | None = None, **kwargs):
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(instance, name)
                    for name in [
                        "year",
                        "valid_from",
                        "valid_until",
                        "face_value_cents",
                        "commissioner_cost_cents",
                        "mediator_net_cents",
                        "cheques_per_chequebook",
                        "handover_frozen",
                    ]
                },
            )
        super().__init__(*args, **kwargs)


class TargetPublicCreateForm(forms.Form):
    side = forms.ChoiceField(label="Côté", choices=Side.choices)
    label = forms.CharField(label="Intitulé du public cible", max_length=200)


class TargetPublicForm(forms.ModelForm):
    class Meta:
        model = TargetPublic
        fields = ["label", "is_active"]
        labels = {"label": "Intitulé", "is_active": "Proposé aux accueils (actif)"}


class PartnersForm(forms.Form):
    partners = forms.ModelMultipleChoiceField(
        label="EPCI partenaires du programme",
        queryset=Epci.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "Le document d'origine mentionne 17 EPCI partenaires ; "
            "la liste de départ est indicative."
        ),
    )


class FundingForm(forms.Form):
    """A call for funds or a payment received: funder, year, reference, date, amount (typed
    in euros the French way)."""

    funder = forms.ModelChoiceField(label="Financeur", queryset=Funder.objects.none())
    year = forms.IntegerField(label="Année", min_value=2000, max_value=2100)
    reference = forms.CharField(label="Référence", max_length=60)
    amount_cents = EurosField(label="Montant", min_cents=None)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funder"].queryset = Funder.objects.filter(programme=programme)


class FundCallForm(FundingForm):
    called_on = forms.DateField(
        label="Date de l'appel", widget=forms.DateInput(attrs={"type": "date"})
    )
    label = forms.CharField(
        label="Objet", max_length=200, required=False,
        help_text="Par exemple : participation de l'État, 1re tranche.",
    )  # fmt: skip


class FundPaymentForm(FundingForm):
    received_on = forms.DateField(
        label="Date de réception", widget=forms.DateInput(attrs={"type": "date"})
    )
