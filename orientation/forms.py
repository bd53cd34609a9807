"""Orientation forms: they parse; the rules live in services.py."""

from django import forms


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="Motif du refus",
        max_length=255,
        help_text="L'accueil qui a orienté la personne le verra, pour l'orienter ailleurs.",
    )
