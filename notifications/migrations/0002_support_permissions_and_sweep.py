"""Support staff read notices and deliveries and may resend failed ones; a periodic sweep
re-enqueues deliveries whose task was lost."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SUPPORT_PERMISSIONS = [
    "view_notice",
    "view_delivery", "change_delivery",  # change: the "resend failed" admin action
    "view_recipient", "view_subscription",
    "view_devsmsmessage",
]
SWEEP_NAME = "notifications: requeue stuck deliveries"


def grant(apps, schema_editor):
    config = apps.get_app_config("notifications")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0)
    config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Support")
    perms = Permission.objects.filter(
        content_type__app_label="notifications", codename__in=SUPPORT_PERMISSIONS
    )
    missing = set(SUPPORT_PERMISSIONS) - set(perms.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Support group: unknown permissions {sorted(missing)}")
    group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name="Support").first()
    if group:
        group.permissions.remove(*group.permissions.filter(
            content_type__app_label="notifications", codename__in=SUPPORT_PERMISSIONS
        ))


def schedule_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5_minutes, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME,
        defaults={
            "task": "notifications.tasks.requeue_stuck_deliveries",
            "interval": every_5_minutes,
        },
    )


def unschedule_sweep(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("billing", "0003_support_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, revoke),
        migrations.RunPython(schedule_sweep, unschedule_sweep),
    ]
