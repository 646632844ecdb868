"""The three questions every print, PDF and CSV with personal data asks before it is made
(sharing-rules.md 5): to whom, on which legal basis, and why. The service
(services.disclosure_check) validates the meaning; this form the shape."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coordination import services
from coordination.forms.base import StyledForm
from coordination.models import LegalBasis
from coordination.services.disclosures import JUSTIFICATION_MAX_LENGTH, RECIPIENT_MAX_LENGTH


class DisclosureForm(StyledForm):
    """Recipient, legal basis and justification of a disclosure of `document` (one of
    services.Document): an insight report goes to the citizen on their right of access by
    default; anything else offers every basis but that one."""

    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=RECIPIENT_MAX_LENGTH,
        help_text=_("Who gets the copy: a person, an authority or a unit. No CPR number."),
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"))
    justification = forms.CharField(
        label=_("Justification"),
        max_length=JUSTIFICATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why the recipient needs it. Printing and exporting are disclosures."),
    )

    def __init__(self, *args: Any, document: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bases = services.disclosure_bases(document)
        labels = dict(LegalBasis.choices)
        field: Any = self.fields["legal_basis"]
        field.choices = [
            *([] if len(bases) == 1 else [("", _("Choose the legal basis"))]),
            *((b, labels[b]) for b in bases),
        ]
        if document == services.Document.INSIGHT:
            self.fields["recipient"].initial = _("The citizen")
            field.initial = LegalBasis.GDPR15
