import copy
import datetime
import functools
import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from chequebooks.forms import ChequeScanField
from passnum.core.bounds import BoundedDateField
from passnum.core.dates import previous_month
from passnum.directory.models import MediatorProfile, Place, QualificationStatus, Weekday
from passnum.directory.rules import ACCESSIBILITY_CHOICES, LABEL_CHOICES, SUPPORT_MODE_CHOICES
from passnum.directory.services import PLACE_FIELDS
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.programme.models import Service
from passnum.territory.models import Commune

from .models import Activity, NextStep, ProgressLevel, Theme
from .services import (
    ACTIVITY_MINUTES_MAX,
    ACTIVITY_MINUTES_MIN,
    ChequeCheck,
    ChequeLine,
    Reason,
    activity_duration_error,
    cheque_check,
)
from .services.cheque_check import cheque_check_parse

CHEQUE_LINES = 10


def _duration_field():
    """The duration: its rule and message are the service's (activity_duration_error),
    checked by DurationFromService next to this field; the bounds are also given to the
    browser."""
    return forms.IntegerField(
        label="Durée (minutes)",
        initial=60,
        widget=forms.NumberInput(attrs={"min": ACTIVITY_MINUTES_MIN, "max": ACTIVITY_MINUTES_MAX}),
    )


class DurationFromService:
    """Shows the service's duration rule (activity_duration_error) next to the field, before
    the database constraint could be reached."""

    def clean_duration_minutes(self):
        minutes = self.cleaned_data.get("duration_minutes")
        error = activity_duration_error(minutes)
        if error:
            raise forms.ValidationError(error)
        return minutes


@functools.cache
def _line_fields(lines: int) -> dict:
    """The redemption form's cheque lines, ``number_<i>`` and ``code_<i>`` for i in 1..lines:
    a number (or the QR content a scanner types) and a security code."""
    fields = {}
    for i in range(1, lines + 1):
        fields[f"number_{i}"] = ChequeScanField(
            label=f"Chèque {i} : numéro ou QR code",
            required=False,
            max_length=80,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "inputmode": "text",
                    "spellcheck": "false",
                    "class": "cheque-number",
                    "data-line": i,
                }
            ),
        )
        fields[f"code_{i}"] = forms.CharField(
            label=f"Chèque {i} : code de sécurité",
            required=False,
            max_length=32,
            widget=forms.TextInput(
                attrs={
                    "autocomplete": "off",
                    "autocapitalize": "characters",
                    "spellcheck": "false",
                    "class": "cheque-code",
                    "data-line": i,
                }
            ),
        )
    return fields


class RedemptionForm(DurationFromService, forms.Form):
    """One form, many cheque lines: a number (or the QR content a scanner types) and a code
    per line, then the activity. The token makes a double submission harmless."""

    token = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="Type d'activité",
        choices=Activity.Kind.choices,
        initial=Activity.Kind.INDIVIDUAL,
        widget=forms.RadioSelect,
    )
    date = forms.DateField(
        label="Date de l'activité",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    duration_minutes = _duration_field()
    themes = forms.MultipleChoiceField(
        label="Thèmes abordés", choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )
    referral = forms.ModelChoiceField(
        label="Orientation à laquelle cette activité répond",
        queryset=None,
        required=False,
        empty_label="Aucune",
    )
    place = forms.ModelChoiceField(label="Lieu", queryset=None, required=False, empty_label="—")
    notes = forms.CharField(label="Remarques", required=False, max_length=500)

    def __init__(self, *args, referrals=None, places=None, lines=CHEQUE_LINES, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referral"].queryset = referrals
        self.fields["referral"].label_from_instance = lambda r: (
            f"{r.beneficiary} – orientation du {timezone.localtime(r.created_at):%d/%m/%Y}"
        )
        self.fields["place"].queryset = places
        self.line_count = lines
        # Shallow copies of fields built once per process (a form is built at every
        # redemption: building and validating it went from about 1.0 to 0.75 ms); nothing
        # changes a line field or its widget after it is built.
        self.fields.update({name: copy.copy(f) for name, f in _line_fields(lines).items()})
        if not self.is_bound:
            self.initial.setdefault("token", secrets.token_urlsafe(24))
            self.initial.setdefault("date", timezone.localdate())

    def line_fields(self):
        return [(i, self[f"number_{i}"], self[f"code_{i}"]) for i in range(1, self.line_count + 1)]

    def lines(self):
        return [
            ChequeLine(
                self.cleaned_data.get(f"number_{i}", ""), self.cleaned_data.get(f"code_{i}", "")
            )
            for i in range(1, self.line_count + 1)
            if self.cleaned_data.get(f"number_{i}", "").strip()
        ]

    def clean(self):
        data = super().clean()
        names = [f"number_{i}" for i in range(1, self.line_count + 1)]
        unread = [(i, name) for i, name in enumerate(names, start=1) if name in self.errors]
        for i, name in unread:
            # Also said above the lines: the page shows a line's result, not its field's errors.
            for message in self.errors[name]:
                self.add_error(None, f"Chèque {i} : {message}")
        if unread:
            return data
        if not any(data.get(name, "").strip() for name in names):
            # On the first line, so that the error summary leads there.
            self.add_error("number_1", "Saisissez ou scannez au moins un chèque.")
        return data

    def typed_lines(self):
        """The cheque lines as typed, even when another field is refused: (line, ChequeLine)."""
        lines = []
        for i in range(1, self.line_count + 1):
            number = (self.data.get(self.add_prefix(f"number_{i}")) or "").strip()[:80]
            if number:
                code = (self.data.get(self.add_prefix(f"code_{i}")) or "").strip()[:32]
                lines.append((i, ChequeLine(number, code)))
        return lines

    def activity_refused(self) -> bool:
        """Refused for the activity part only: its cheque lines can still be checked."""
        return bool(self.errors) and not any(
            name.startswith(("number_", "code_")) or name in ("__all__", "token")
            for name in self.errors
        )


class ActivityForm(DurationFromService, forms.ModelForm):
    duration_minutes = _duration_field()
    themes = forms.MultipleChoiceField(
        label="Thèmes abordés", choices=Theme.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Activity
        fields = [
            "kind",
            "date",
            "duration_minutes",
            "themes",
            "participants",
            "referral",
            "place",
            "notes",
            "progress_level",
            "next_step",
        ]
        widgets = {
            "kind": forms.RadioSelect,
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "participants": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, referrals=None, places=None, participants=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = participants
        self.fields["participants"].label = "Participants"
        self.fields["participants"].help_text = (
            "Les personnes orientées vers votre structure ou dont vous avez encaissé des "
            "chèques ; pour un atelier, cochez-les toutes. La personne de l'orientation choisie "
            "est ajoutée d'office."
        )
        self.fields["referral"].queryset = referrals
        self.fields["referral"].required = False
        self.fields["referral"].label = "Orientation à laquelle cette activité répond"
        self.fields["place"].queryset = places
        self.fields["place"].label = "Lieu"
        self.initial.setdefault("date", timezone.localdate())


class ProfileForm(forms.ModelForm):
    labels = forms.MultipleChoiceField(
        label="Labels", choices=LABEL_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    charter_accepted = forms.BooleanField(
        label="J'accepte la charte du Pass numérique au nom de la structure", required=False
    )

    class Meta:
        model = MediatorProfile
        fields = [
            "legal_name",
            "siret",
            "legal_representative",
            "iban",
            "bic",
            "is_public_sector",
            "labels",
        ]
        help_texts = {
            "siret": "14 chiffres, sur l'avis de situation INSEE.",
            "iban": "Le compte sur lequel les relevés sont payés, tel qu'il figure sur le RIB.",
        }


class PlaceForm(forms.ModelForm):
    services = forms.ModelMultipleChoiceField(
        label="Services proposés",
        queryset=Service.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    accessibility = forms.MultipleChoiceField(
        label="Prise en charge spécifique",
        choices=ACCESSIBILITY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    support_modes = forms.MultipleChoiceField(
        label="Modalités d'accompagnement",
        choices=SUPPORT_MODE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    commune = forms.ModelChoiceField(label="Commune", queryset=Commune.objects.order_by("name"))
    website = forms.URLField(label="Site web", required=False, assume_scheme="https")

    #: The services (many-to-many, written apart) are shown after the contact.
    field_order = [*PLACE_FIELDS[: PLACE_FIELDS.index("accessibility")], "services"]

    class Meta:
        model = Place
        fields = [*PLACE_FIELDS, "services"]
        help_texts = {
            "opening_hours": "Format OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-17:00 ».",
            "opening_hours_text": "Les mêmes horaires, en clair pour les bénéficiaires.",
            "postcode": "Laissé vide : celui de la commune.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["postcode"].required = False


class MediatorInviteForm(forms.Form):
    name = forms.CharField(label="Nom de la structure", max_length=200)
    commune = forms.ModelChoiceField(label="Commune", queryset=Commune.objects.order_by("name"))
    first_name = forms.CharField(label="Prénom de l'administrateur", max_length=150, required=False)
    last_name = forms.CharField(label="Nom de l'administrateur", max_length=150, required=False)
    email = forms.EmailField(label="Adresse e-mail de l'administrateur")


class QualificationForm(forms.Form):
    # No status is preselected: submitting without choosing must not move a qualified
    # mediator back to "candidature".
    status = forms.ChoiceField(
        label="Nouvelle qualification",
        choices=[("", "— Choisir —"), *QualificationStatus.choices],
        error_messages={"required": "Choisissez la nouvelle qualification."},
    )
    reason = forms.CharField(
        label="Motif",
        required=False,
        max_length=255,
        help_text="Obligatoire pour une suspension ou une déqualification.",
    )


class AgreementForm(forms.Form):
    counterpart = forms.ModelChoiceField(
        label="Signataire pour le programme",
        queryset=Organisation.objects.filter(
            kind__in=[OrganisationKind.OWNER, OrganisationKind.EPCI]
        ).order_by("kind", "name"),
    )
    start_date = BoundedDateField(label="Début")
    end_date = BoundedDateField(label="Fin")


class AgreementActivateForm(forms.Form):
    signed_at = BoundedDateField(label="Signée le", not_future=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", max_length=255)


class StatementPayForm(forms.Form):
    paid_at = BoundedDateField(label="Payé le", not_future=True)
    reference = forms.CharField(label="Référence du paiement", max_length=100)


class StatementProduceForm(forms.Form):
    """Producing statements now: for the month before (what the 1st does), or the current
    month so far (e.g. before a mediator stops)."""

    period = forms.ChoiceField(label="Période", widget=forms.RadioSelect)

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        today = today or timezone.localdate()
        previous = previous_month(today)
        current = today.replace(day=1)
        self.fields["period"].choices = [
            (previous.isoformat(), f"Mois précédent ({previous:%m/%Y})"),
            (current.isoformat(), f"Mois en cours, jusqu'à aujourd'hui ({current:%m/%Y})"),
        ]
        self.fields["period"].initial = previous.isoformat()

    def period_start(self) -> datetime.date:
        return datetime.date.fromisoformat(self.cleaned_data["period"])


def redemption_lines_check(*, form, membership) -> dict:
    """The answer each typed cheque gets while the activity part of the redemption form is
    refused, so that the mediator corrects everything at once: nothing is redeemed.

    Each line is checked by the services' ``cheque_check`` (the redemption's rules in their
    order, the same wrong-code budget: a wrong code typed here counts as one typed on the
    check page, so a refused form is no way around the throttle); a number typed twice is
    answered as on a complete form. Whether the cheques are one person's depends on the
    activity's kind: the complete form checks it. Returns {line number: answer}."""
    answers = {}
    seen = set()
    for i, line in form.typed_lines():
        try:
            number, _ = cheque_check_parse(line.number, line.code)
        except ValidationError:
            number = None
        if number is not None and number in seen:
            answers[i] = ChequeCheck(
                typed=line.number,
                reason=Reason.DUPLICATE_LINE,
                message=Reason.MESSAGES[Reason.DUPLICATE_LINE],
            )
            continue
        seen.add(number)
        try:
            answer = cheque_check(membership=membership, number=line.number, code=line.code)
        except ValidationError as error:
            answer = ChequeCheck(
                typed=line.number, reason=Reason.MALFORMED, message=" ".join(error.messages)
            )
        if answer.ok:
            answer.message = "Chèque valable : il sera encaissé une fois l'activité corrigée."
        answers[i] = answer
    return answers


# --- A place's appointments (i14) --------------------------------------------------------------


class PlaceAppointmentsForm(forms.Form):
    takes_appointments = forms.BooleanField(
        label="Ce lieu prend des rendez-vous pris par les accueils", required=False
    )


class PlaceSlotForm(forms.Form):
    weekday = forms.TypedChoiceField(
        label="Jour", coerce=int, choices=[(d.value, d.label) for d in Weekday]
    )
    start_time = forms.TimeField(
        label="Heure de début", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label="Durée (minutes)", initial=60)
    capacity = forms.IntegerField(label="Personnes par créneau", initial=1)


class PlaceClosureForm(forms.Form):
    start_date = forms.DateField(label="Fermé du", widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label="au", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Motif (facultatif)", max_length=120, required=False)


class ChequeCheckForm(forms.Form):
    """A cheque to check: its number and code, or the QR content a scanner types."""

    number = forms.CharField(
        label="Numéro du chèque (ou scannez son QR code)",
        max_length=80,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    code = forms.CharField(
        label="Code de sécurité",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ActivityProgressForm(forms.Form):
    """Progress at a session (optional): the person's autonomy and what comes next."""

    progress_level = forms.ChoiceField(
        label="Autonomie de la personne en fin de séance",
        choices=[("", "Non notée"), *ProgressLevel.choices],
        required=False,
    )
    next_step = forms.ChoiceField(
        label="Suite prévue", choices=[("", "Non notée"), *NextStep.choices], required=False
    )
