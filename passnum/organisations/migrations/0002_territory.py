"""Organisation's EPCI and commune now point at territory (same tables: state only)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('organisations', '0001_initial'),
        ('territory', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='organisation',
                    name='commune',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organisations', to='territory.commune', verbose_name='commune'),
                ),
                migrations.AlterField(
                    model_name='organisation',
                    name='epci',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='organisations', to='territory.epci', verbose_name='EPCI'),
                ),
            ],
        ),
    ]
