"""Epci and Commune move from programme to territory: the tables stay, only the state moves."""

import django.db.models.deletion
from django.db import migrations, models

from passnum.core.migration_operations import content_types_move




class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('programme', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Epci',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('siren', models.CharField(max_length=9, unique=True, verbose_name='SIREN')),
                        ('name', models.CharField(max_length=200, verbose_name='nom')),
                        ('is_partner', models.BooleanField(default=False, help_text="Les EPCI engagés dans le programme (17 selon le document d'origine).", verbose_name='partenaire du programme')),
                    ],
                    options={
                        'verbose_name': 'EPCI',
                        'verbose_name_plural': 'EPCI',
                        'db_table': 'programme_epci',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Commune',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('insee_code', models.CharField(max_length=5, unique=True, verbose_name='code INSEE')),
                        ('name', models.CharField(db_index=True, max_length=200, verbose_name='nom')),
                        ('postcodes', models.CharField(blank=True, max_length=100, verbose_name='codes postaux')),
                        ('population', models.PositiveIntegerField(default=0, verbose_name='population')),
                        ('epci', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='communes', to='territory.epci', verbose_name='EPCI')),
                    ],
                    options={
                        'verbose_name': 'commune',
                        'db_table': 'programme_commune',
                        'ordering': ['name'],
                    },
                ),
            ],
        ),
        content_types_move('programme', 'territory', ['epci', 'commune']),
    ]
