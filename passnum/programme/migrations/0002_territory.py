"""Envelope's EPCI points at territory; Epci and Commune leave programme's state (their tables are territory's now)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('programme', '0001_initial'),
        ('territory', '0001_initial'),
        ('organisations', '0002_territory'),
        ('reporting', '0003_territory'),
        ('people', '0001_initial'),
        ('directory', '0001_initial'),
        ('orientation', '0003_beneficiary_moves_to_people'),
        ('mediation', '0009_profile_and_place_move_to_directory'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='envelope',
                    name='epci',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='territory.epci', verbose_name='EPCI'),
                ),
                migrations.DeleteModel(
                    name='Commune',
                ),
                migrations.DeleteModel(
                    name='Epci',
                ),
            ],
        ),
    ]
