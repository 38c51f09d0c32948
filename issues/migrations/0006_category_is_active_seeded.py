"""Categories can be deactivated; the six 主题教育 categories of SPEC §2 exist after `migrate`.

The seed is idempotent: a category of that name that already exists (seeded by the demo, or
renamed back by an office) is left as it is, and reversing leaves the dictionary alone.
"""

from django.db import migrations, models

THEME_CATEGORIES = ["理论学习", "政治素质", "能力本领", "担当作为", "工作作风", "廉洁自律"]


def seed_theme_categories(apps, schema_editor):
    Category = apps.get_model("issues", "Category")
    for sort, name in enumerate(THEME_CATEGORIES, 1):
        Category.objects.get_or_create(name=name, defaults={"sort": sort})


class Migration(migrations.Migration):
    dependencies = [
        ("issues", "0005_calendar_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="category",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="启用"),
        ),
        migrations.RunPython(seed_theme_categories, migrations.RunPython.noop),
    ]
