"""Forms of the login steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coordination.forms.base import StyledForm


class TokenForm(StyledForm):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("Six digits from your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        return "".join(str(self.cleaned_data["token"]).split())
