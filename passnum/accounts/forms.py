from allauth.account import forms as allauth_forms
from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from .models import User


class LoginForm(AllauthLoginForm):
    """allauth's login form with plain French labels and no placeholder standing for a label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = "Adresse e-mail"
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["login"].widget.attrs["autocomplete"] = "email"
        self.fields["password"].label = "Mot de passe"
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        self.fields["password"].help_text = ""
        self.fields.pop("remember", None)


class InvitationAcceptForm(forms.Form):
    """A new person's name and password, chosen when accepting an invitation."""

    first_name = forms.CharField(
        label="Prénom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Nom", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    password1 = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Au moins 12 caractères, pas uniquement des chiffres, pas un mot de passe courant."
        ),
    )
    password2 = forms.CharField(
        label="Confirmez le mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        if p1:
            user = User(
                email=self.email,
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(p1, user)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


def _plain_labels(form, labels: dict[str, tuple[str, str]]) -> None:
    """Plain French labels, an autocomplete hint, and no placeholder standing for a label."""
    for name, (label, autocomplete) in labels.items():
        if name not in form.fields:
            continue
        field = form.fields[name]
        field.label = label
        field.widget.attrs.pop("placeholder", None)
        field.widget.attrs["autocomplete"] = autocomplete


class ResetPasswordForm(allauth_forms.ResetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(self, {"email": ("Adresse e-mail", "email")})


class ChangePasswordForm(allauth_forms.ChangePasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(
            self,
            {
                "oldpassword": ("Mot de passe actuel", "current-password"),
                "password1": ("Nouveau mot de passe", "new-password"),
                "password2": ("Confirmez le nouveau mot de passe", "new-password"),
            },
        )


class ResetPasswordKeyForm(allauth_forms.ResetPasswordKeyForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(
            self,
            {
                "password1": ("Nouveau mot de passe", "new-password"),
                "password2": ("Confirmez le nouveau mot de passe", "new-password"),
            },
        )


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _plain_labels(self, {"password": ("Mot de passe", "current-password")})
