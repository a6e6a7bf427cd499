"""The "Support" group: what support staff need, and nothing that edits money directly."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_PERMISSIONS = {
    "billing": [
        "view_account", "change_account", "adjust_balance", "review_verification",
        "view_membership",
        "view_ledgerentry",
        "view_voucher", "add_voucher",
        "view_product", "view_packsku",
        "view_captchaapp", "view_pushapp", "change_pushapp",
        "view_captchapack", "view_pushsubscription", "change_pushsubscription",
        "view_order", "view_postpaidbillline",
        "view_captchausagedaily", "view_pushdaudaily",
        "view_refundticket", "change_refundticket",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; make sure they exist now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Support")
    for app_label, codenames in SUPPORT_PERMISSIONS.items():
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Support group: unknown permissions {sorted(missing)}")
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_catalog"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
