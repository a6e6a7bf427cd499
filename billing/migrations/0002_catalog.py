"""Products and the CAPTCHA pack SKUs exactly as SPEC.md §2 lists them."""

from decimal import Decimal

from django.db import migrations

PACKS = [
    # (code, kind, verifications, price ¥/year, validity days)
    ("captcha-trial-20k", "trial", 20_000, "0.00", 7),
    ("captcha-topup-200k", "topup", 200_000, "1000.00", 365),
    ("captcha-count-1m", "count", 1_000_000, "2000.00", 365),
    ("captcha-count-2m", "count", 2_000_000, "2700.00", 365),
    ("captcha-count-5m", "count", 5_000_000, "5700.00", 365),
    ("captcha-count-10m", "count", 10_000_000, "9600.00", 365),
    ("captcha-count-50m", "count", 50_000_000, "44000.00", 365),
    ("captcha-count-100m", "count", 100_000_000, "78000.00", 365),
    ("captcha-count-500m", "count", 500_000_000, "322000.00", 365),
    ("captcha-count-1b", "count", 1_000_000_000, "500000.00", 365),
]


def load(apps, schema_editor):
    Product = apps.get_model("billing", "Product")
    PackSku = apps.get_model("billing", "PackSku")
    captcha, _ = Product.objects.get_or_create(code="captcha", defaults={"name": "CAPTCHA"})
    Product.objects.get_or_create(code="push", defaults={"name": "Mobile Push"})
    for code, kind, verifications, price, days in PACKS:
        PackSku.objects.update_or_create(
            code=code,
            defaults={
                "product": captcha,
                "kind": kind,
                "verifications": verifications,
                "price": Decimal(price),
                "validity_days": days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
