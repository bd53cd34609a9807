"""Chequebooks point at people's Beneficiary (same table: state only)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('chequebooks', '0004_print_run_heartbeat'),
        ('people', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='chequebook',
                    name='beneficiary',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='chequebooks', to='people.beneficiary', verbose_name='bénéficiaire'),
                ),
                migrations.AlterField(
                    model_name='handoverexception',
                    name='beneficiary',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='handover_exceptions', to='people.beneficiary'),
                ),
            ],
        ),
    ]
