"""A consent belongs to the forum whose cooperation it is for (only that forum's cases show
it). Existing consents get the forum of the citizen's case whose members cover the
consent's scope (every consent was registered on a case of its citizen)."""

import django.db.models.deletion
from django.db import migrations, models


def assign_forums(apps, schema_editor):
    Consent = apps.get_model("coordination", "Consent")
    Case = apps.get_model("coordination", "Case")
    for consent in Consent.objects.filter(forum__isnull=True).iterator():
        scope = set(consent.scope_units.values_list("pk", flat=True))
        cases = Case.objects.filter(citizen_id=consent.citizen_id).order_by("opened_at", "pk")
        chosen = None
        for case in cases.select_related("forum"):
            members = set(case.forum.member_units.values_list("pk", flat=True))
            if scope <= members:
                chosen = case.forum_id
                break
            chosen = chosen or case.forum_id
        if chosen is None:
            raise RuntimeError(f"Consent {consent.pk}: its citizen has no case to take a forum from")
        consent.forum_id = chosen
        consent.save(update_fields=["forum"])


class Migration(migrations.Migration):
    dependencies = [("coordination", "0008_action_completed_at")]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="forum",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="consents",
                to="coordination.forum",
                verbose_name="forum",
            ),
        ),
        migrations.RunPython(assign_forums, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="consent",
            name="forum",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="consents",
                to="coordination.forum",
                verbose_name="forum",
            ),
        ),
    ]
