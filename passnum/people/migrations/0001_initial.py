"""Beneficiary moves from orientation to people: the table stays, only the state moves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from passnum.core.migration_operations import content_types_move




class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('orientation', '0002_beneficiaryref_assessment_handover_suggested_and_more'),
        ('organisations', '0002_territory'),
        ('programme', '0001_initial'),
        ('territory', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Beneficiary',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('first_name', models.CharField(max_length=150, verbose_name='prénom')),
                        ('last_name', models.CharField(max_length=150, verbose_name='nom')),
                        ('birth_date', models.DateField(blank=True, null=True, verbose_name='date de naissance')),
                        ('identity_key', models.CharField(blank=True, db_index=True, max_length=400)),
                        ('outside_aveyron', models.BooleanField(default=False, verbose_name='réside hors Aveyron')),
                        ('phone', models.CharField(blank=True, max_length=30, verbose_name='téléphone')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('contact_consent', models.BooleanField(default=False, verbose_name="accepte d'être recontacté(e) (rappels)")),
                        ('consent_at', models.DateTimeField(verbose_name='consentement recueilli le')),
                        ('consent_text_version', models.CharField(max_length=20, verbose_name="version de l'information")),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('last_activity_at', models.DateTimeField(auto_now_add=True)),
                        ('anonymised_at', models.DateTimeField(blank=True, null=True)),
                        ('birth_decade', models.CharField(blank=True, max_length=9, verbose_name="tranche d'année de naissance")),
                        ('commune', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='beneficiaries', to='territory.commune', verbose_name='commune')),
                        ('registered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('registered_by_organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registered_beneficiaries', to='organisations.organisation', verbose_name='accueil')),
                        ('target_public', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='programme.targetpublic', verbose_name='public cible')),
                    ],
                    options={
                        'verbose_name': 'bénéficiaire',
                        'db_table': 'orientation_beneficiary',
                        'ordering': ['last_name', 'first_name'],
                    },
                ),
                migrations.CreateModel(
                    name='BeneficiaryRef',
                    fields=[
                    ],
                    options={
                        'verbose_name': 'bénéficiaire',
                        'proxy': True,
                        'indexes': [],
                        'constraints': [],
                    },
                    bases=('people.beneficiary',),
                ),
                migrations.AddConstraint(
                    model_name='beneficiary',
                    constraint=models.CheckConstraint(condition=models.Q(('commune__isnull', False), ('outside_aveyron', True), ('anonymised_at__isnull', False), _connector='OR'), name='beneficiary_has_commune_or_outside'),
                ),
            ],
        ),
        content_types_move('orientation', 'people', ['beneficiary', 'beneficiaryref']),
    ]
