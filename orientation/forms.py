"""Orientation forms: they parse; the rules live in services.py."""

import re

from django import forms

from chequebooks.forms import ChequeScanField
from passnum.core.bounds import BoundedDateField, birth_earliest
from passnum.core.numbers import SMALLINT_MAX, NumberField, parse_number
from passnum.people.privacy import CONSENT_TEXT_VERSION
from passnum.programme.models import Service, TargetPublic
from passnum.territory.models import Commune


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=255,
        help_text="L'accueil qui a orienté la personne le verra, pour l'orienter ailleurs.",
    )


def commune_label(commune: Commune) -> str:
    return f"{commune.name} ({commune.postcode})" if commune.postcode else commune.name


class CommuneField(forms.CharField):
    """A commune typed with the help of a list (``<input list>``): "Rodez (12000)" or a name."""

    widget = forms.TextInput(
        attrs={"list": "communes-aveyron", "autocomplete": "off", "data-typeahead": "commune"}
    )

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        match = re.match(r"^(.*?)\s*\((\d{5})\)\s*$", value)
        name, postcode = (match.group(1), match.group(2)) if match else (value, None)
        qs = Commune.objects.filter(name__iexact=name.strip())
        if postcode:
            qs = qs.filter(postcodes__contains=postcode)
        communes = list(qs[:2])
        if len(communes) != 1:
            raise forms.ValidationError(
                "Choisissez une commune de l'Aveyron dans la liste, ou cochez « réside hors "
                "Aveyron »."
            )
        return communes[0]

    def validate(self, value):
        # Required unless "outside Aveyron" is ticked: the form's clean() decides.
        if value is not None:
            super().validate(value)

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return commune_label(value)
        if isinstance(value, int):
            commune = Commune.objects.filter(pk=value).first()
            return commune_label(commune) if commune else ""
        return value


class BeneficiaryForm(forms.Form):
    """Registration (and correction) of a person. Only what the programme needs."""

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    birth_date = BoundedDateField(
        label="Date de naissance", earliest=birth_earliest, latest=None, not_future=True
    )
    commune = CommuneField(
        label="Commune de résidence",
        help_text="Tapez les premières lettres puis choisissez dans la liste. Hors Aveyron : "
        "laissez vide et cochez la case ci-dessous.",
    )
    outside_aveyron = forms.BooleanField(label="Réside hors Aveyron", required=False)
    phone = forms.CharField(
        label="Téléphone",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label="E-mail", required=False)
    contact_consent = forms.BooleanField(
        label="La personne accepte d'être recontactée (rappels de rendez-vous)", required=False
    )
    target_public = forms.ModelChoiceField(
        label="Public cible",
        queryset=TargetPublic.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text="Seule la catégorie est enregistrée : aucune information de santé ou sociale.",
    )

    def __init__(self, *args, side=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_public"].queryset = TargetPublic.objects.filter(
            side=side, is_active=True
        ).order_by("position")

    def clean(self):
        data = super().clean()
        if (
            not data.get("commune")
            and not data.get("outside_aveyron")
            and "commune" not in self.errors
        ):
            self.add_error("commune", "Indiquez la commune, ou cochez « réside hors Aveyron ».")
        if data.get("contact_consent") and not (data.get("phone") or data.get("email")):
            self.add_error("phone", "Pour des rappels, indiquez un téléphone ou un e-mail.")
        return data


class RegistrationForm(BeneficiaryForm):
    consent_given = forms.BooleanField(
        label="J'ai lu l'information à la personne et elle accepte le traitement de ses données",
        help_text=f"Information version {CONSENT_TEXT_VERSION}, ci-dessus. Sans accord, la "
        "personne n'est pas inscrite.",
    )
    confirm_known_elsewhere = forms.BooleanField(
        label="La personne est déjà connue d'un autre accueil : l'inscrire aussi ici",
        required=False,
        widget=forms.HiddenInput,
    )

    def show_confirmation(self):
        self.fields["confirm_known_elsewhere"].widget = forms.CheckboxInput()


class AssessmentForm(forms.Form):
    """One radio group per question of a questionnaire version."""

    def __init__(self, *args, questionnaire, initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for question in questionnaire.questions.all():
            field = forms.ChoiceField(
                label=question.text,
                help_text=question.help_text,
                choices=[(str(c.pk), c.label) for c in question.choices.all()],
                widget=forms.RadioSelect,
                error_messages={"required": "Choisissez une réponse."},
            )
            if initial_answers and question.text in initial_answers:
                field.initial = str(initial_answers[question.text])
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict:
        return {int(name[1:]): int(value) for name, value in self.cleaned_data.items()}


class HandOverForm(forms.Form):
    chequebook_number = ChequeScanField(
        label="Numéro du chéquier",
        max_length=80,
        help_text="Tapez le numéro du chéquier, ou scannez le QR code de l'un de ses chèques.",
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "list": "chequebook-candidates",
            }
        ),
    )


class NoHandOverForm(forms.Form):
    reason = forms.CharField(
        label="Motif de non-remise",
        max_length=255,
        help_text="Par exemple : personne autonome, n'a pas besoin d'accompagnement.",
    )


class ReferralForm(forms.Form):
    place = forms.ModelChoiceField(
        label="Lieu de médiation",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choisissez un lieu de médiation."},
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places


class SearchForm(forms.Form):
    q = forms.CharField(label="Rechercher une personne", required=False, help_text="Nom ou prénom")


class QuestionForm(forms.Form):
    text = forms.CharField(label="Question", max_length=300)
    help_text = forms.CharField(label="Thème ou aide", max_length=300, required=False)
    position = NumberField(label="Rang", max_value=SMALLINT_MAX, required=False)
    choices = forms.CharField(
        label="Réponses et points",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Une réponse par ligne, suivie de « | » et du nombre de points. "
        "Exemple : « Oui, seul(e) | 2 ».",
    )

    def clean_choices(self):
        parsed = []
        for number, line in enumerate(self.cleaned_data["choices"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            label, sep, score = line.rpartition("|")
            if not sep or not label.strip():
                raise forms.ValidationError(f"Ligne {number} : écrivez « réponse | points ».")
            try:
                points = parse_number(
                    score, min_value=-SMALLINT_MAX, max_value=SMALLINT_MAX, signed=True
                )
            except forms.ValidationError as error:
                raise forms.ValidationError(
                    f"Ligne {number} : les points sont un nombre entier. {error.messages[0]}"
                ) from error
            parsed.append((label.strip(), points))
        if len(parsed) < 2:
            raise forms.ValidationError("Donnez au moins deux réponses.")
        return parsed


class LevelForm(forms.Form):
    label = forms.CharField(label="Niveau d'autonomie", max_length=100)
    code = forms.SlugField(label="Code", max_length=40)
    min_score = NumberField(
        label="Score minimal", min_value=-SMALLINT_MAX, max_value=SMALLINT_MAX, signed=True
    )
    suggested_cheques = forms.IntegerField(label="Chèques suggérés", min_value=0, max_value=10)
    suggests_handover = forms.BooleanField(label="Remise d'un chéquier conseillée", required=False)
    services = forms.ModelMultipleChoiceField(
        label="Services suggérés",
        queryset=Service.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
