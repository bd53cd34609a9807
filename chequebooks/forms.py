from django import forms
from django.conf import settings

from passnum.core.numbers import BIGINT_MAX, NumberField
from passnum.organisations.models import Organisation, OrganisationKind
from passnum.programme.models import Envelope, Vintage
from passnum.programme.vintages import ongoing_q

from .services import cheque_scan_read, import_file_decode


class ChequeScanField(forms.CharField):
    """A cheque's or chequebook's number typed, or a cheque's QR code scanned, read by
    ``cheque_scan_read`` (ASCII digits within a bigint, or ``PASSNUM:<number>:<code>``); a
    French message next to the field otherwise. Cleaned: the digits, or the QR text."""

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        number, code = cheque_scan_read(value)
        return value if code is not None else str(number)


def _running_vintages():
    """The vintages not ended (``vintages.ongoing_q``): the only ones printed or allocated;
    read at each form, not at import."""
    return Vintage.objects.filter(ongoing_q(prefix="")).order_by("year")


class PrintRunForm(forms.Form):
    vintage = forms.ModelChoiceField(Vintage.objects.all(), label="Millésime")
    envelope = forms.ModelChoiceField(Envelope.objects.select_related("epci"), label="Enveloppe")
    chequebook_count = NumberField(
        label="Nombre de chéquiers",
        min_value=1,
        max_value=10_000,
        help_text="De 1 à 10 000. Les numéros se suivent, sans trou.",
    )
    cheques_per_chequebook = forms.TypedChoiceField(
        label="Chèques par chéquier",
        choices=[(10, "10 chèques"), (5, "5 chèques")],
        coerce=int,
        initial=10,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vintage"].queryset = _running_vintages()


class ImportForm(forms.Form):
    envelope = forms.ModelChoiceField(Envelope.objects.select_related("epci"), label="Enveloppe")
    file = forms.FileField(
        label="Fichier CSV de l'opérateur",
        help_text="Colonnes : numero_chequier ; numero_cheque ; code_securite (ou vide) ; "
        "millesime ; valeur_faciale. Séparateur point-virgule ou virgule, encodage UTF-8 "
        "(ou Windows-1252, celui d'Excel).",
    )

    def clean_file(self):
        """The file's size is checked before it is read; its text is ``import_file_decode``'s
        (encoding, binary, empty), put in ``cleaned_data["text"]``."""
        upload = self.cleaned_data["file"]
        limit = settings.PASSNUM_IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"Fichier trop gros ({upload.size // 1024} Ko, au plus {limit // 1024} Ko) : "
                "découpez-le en plusieurs fichiers."
            )
        try:
            self.cleaned_data["text"] = import_file_decode(upload.read())
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        return upload


class AllocationForm(forms.Form):
    envelope = forms.ModelChoiceField(Envelope.objects.select_related("epci"), label="Enveloppe")
    vintage = forms.ModelChoiceField(Vintage.objects.all(), label="Millésime")
    front_desk = forms.ModelChoiceField(
        Organisation.objects.filter(kind=OrganisationKind.FRONT_DESK, is_active=True),
        label="Accueil destinataire",
        help_text="Un accueil du côté de l'enveloppe (CD12, ou l'EPCI de l'enveloppe).",
    )
    count = NumberField(
        label="Nombre de chéquiers",
        min_value=1,
        max_value=100_000,
        required=False,
        help_text="Les plus petits numéros disponibles. Ou bien indiquez une plage ci-dessous.",
    )
    first_number = NumberField(label="Du numéro", min_value=1, max_value=BIGINT_MAX, required=False)
    last_number = NumberField(label="Au numéro", min_value=1, max_value=BIGINT_MAX, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vintage"].queryset = _running_vintages()

    def clean(self):
        data = super().clean()
        has_range = data.get("first_number") is not None or data.get("last_number") is not None
        if not data.get("count") and not has_range:
            raise forms.ValidationError("Indiquez un nombre de chéquiers ou une plage de numéros.")
        if data.get("count") and has_range:
            raise forms.ValidationError("Indiquez un nombre ou une plage, pas les deux.")
        return data


class ReceiptForm(forms.Form):
    chequebooks = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label="Chéquiers reçus"
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chequebooks"].queryset = queryset
        self.fields["chequebooks"].label_from_instance = lambda c: (
            f"Chéquier n° {c.number} ({c.vintage.year}, {c.cheque_count} chèques)"
        )


class HandOverForm(forms.Form):
    beneficiary = forms.ModelChoiceField(
        queryset=None,
        label="Personne",
        help_text="Parmi les personnes inscrites par votre accueil.",
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["beneficiary"].queryset = queryset
        self.fields["beneficiary"].label_from_instance = lambda b: (
            f"{b.last_name.upper()} {b.first_name}"
            + (f" (née le {b.birth_date:%d/%m/%Y})" if b.birth_date else "")
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'opposition",
        max_length=255,
        help_text="Par exemple : perte déclarée par la personne, vol, chéquier abîmé.",
    )


class TransferForm(forms.Form):
    to_front_desk = forms.ModelChoiceField(queryset=None, label="Nouvel accueil")

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_front_desk"].queryset = queryset


class ExceptionForm(forms.Form):
    vintage = forms.ModelChoiceField(Vintage.objects.all(), label="Millésime")
    reason = forms.CharField(
        label="Motif de la dérogation",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Écrit, il reste au journal : pourquoi cette personne a besoin d'un chéquier "
        "de plus.",
    )


class LookupForm(forms.Form):
    number = NumberField(label="Numéro du chèque ou du chéquier", min_value=1, max_value=BIGINT_MAX)
