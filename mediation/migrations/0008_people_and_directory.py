"""Activities and redemptions point at people and directory (same tables: state only)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('mediation', '0007_statement_printed_iban'),
        ('people', '0001_initial'),
        ('directory', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='activity',
                    name='place',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='directory.place'),
                ),
                migrations.AlterField(
                    model_name='activity',
                    name='participants',
                    field=models.ManyToManyField(blank=True, related_name='activities', to='people.beneficiary'),
                ),
                migrations.AlterField(
                    model_name='redemption',
                    name='beneficiary',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='redemptions', to='people.beneficiary'),
                ),
            ],
        ),
    ]
