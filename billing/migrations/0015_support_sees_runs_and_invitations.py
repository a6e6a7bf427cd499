from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant_support(apps, schema_editor):
    config = apps.get_app_config("billing")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Support")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="billing",
            codename__in=["view_billingrun", "view_invitation"],
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0014_billing_runs"),
    ]

    operations = [
        migrations.RunPython(grant_support, migrations.RunPython.noop),
    ]
