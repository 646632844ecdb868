"""Vocabularies shared by the domain models; the codes are those of docs/sharing-rules.md."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EffortType(models.TextChoices):
    PSP = "psp", _("PSP")
    KNOCK_KNOCK = "knock_knock", _("Knock Knock")
    SSP = "ssp", _("SSP")
    SSP_PLUS = "ssp_plus", _("SSP+")
    S115 = "s115", _("§ 115 meeting")
    KSP = "ksp", _("KSP")
    INFOHUS = "infohus", _("Infohus")
    EXIT = "exit", _("Exit")
    PRE_EXIT = "pre_exit", _("Pre-exit")


class LegalBasis(models.TextChoices):
    RPL115_SSP = "RPL115_SSP", _("Administration of Justice Act § 115(1)(1): SSP")
    RPL115_PSP = "RPL115_PSP", _("Administration of Justice Act § 115(1)(2): PSP")
    RPL115_KSP_A = "RPL115_KSP_A", _("Administration of Justice Act § 115(1)(3)(a): KSP")
    RPL115_KSP_B = "RPL115_KSP_B", _("Administration of Justice Act § 115(1)(3)(b): KSP")
    RPL115_KSP_C = "RPL115_KSP_C", _("Administration of Justice Act § 115(1)(3)(c): KSP")
    CONSENT = "CONSENT", _("Consent")
    SUL43_CONSENT = "SUL43_CONSENT", _("Health Act § 43(1): consent")
    SUL43_2_2 = "SUL43_2_2", _("Health Act § 43(2)(2): vital interests")
    FVL28 = "FVL28", _("Public Administration Act § 28")
    UNDERRETNING = "UNDERRETNING", _("Duty to notify child welfare")
    GDPR15 = "GDPR15", _("GDPR art. 15: the citizen's right of access")


class Category(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    SOCIAL = "social", _("Social")
    HEALTH = "health", _("Health")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    EMPLOYMENT = "employment", _("Employment")
    GENERAL = "general", _("General")


ALL_CATEGORIES: list[str] = [c.value for c in Category]
