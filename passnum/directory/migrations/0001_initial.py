"""MediatorProfile and Place move from mediation to directory: the tables stay, only the state moves."""

import django.db.models.deletion
from django.db import migrations, models

from passnum.core.migration_operations import content_types_move




class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ('mediation', '0007_statement_printed_iban'),
        ('organisations', '0002_territory'),
        ('programme', '0001_initial'),
        ('territory', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Place',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='nom')),
                        ('address', models.CharField(max_length=255, verbose_name='adresse')),
                        ('postcode', models.CharField(max_length=5, verbose_name='code postal')),
                        ('latitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                        ('longitude', models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True)),
                        ('opening_hours', models.CharField(blank=True, max_length=255, verbose_name='horaires (format OpenStreetMap)')),
                        ('opening_hours_text', models.CharField(blank=True, max_length=255, verbose_name='horaires (en clair)')),
                        ('phone', models.CharField(blank=True, max_length=30, verbose_name='téléphone')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('website', models.URLField(blank=True, verbose_name='site web')),
                        ('contact_name', models.CharField(blank=True, max_length=200, verbose_name='personne à contacter')),
                        ('accessibility', models.JSONField(blank=True, default=list, verbose_name='prise en charge spécifique')),
                        ('support_modes', models.JSONField(blank=True, default=list, verbose_name="modalités d'accompagnement")),
                        ('summary', models.CharField(blank=True, max_length=280, verbose_name='présentation')),
                        ('is_active', models.BooleanField(default=True, verbose_name='actif')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('commune', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='places', to='territory.commune')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='places', to='organisations.organisation')),
                        ('services', models.ManyToManyField(blank=True, to='programme.service', verbose_name='services')),
                    ],
                    options={
                        'verbose_name': 'lieu de médiation',
                        'verbose_name_plural': 'lieux de médiation',
                        'db_table': 'mediation_place',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='MediatorProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('siret', models.CharField(blank=True, max_length=14, verbose_name='SIRET')),
                        ('legal_name', models.CharField(blank=True, max_length=200, verbose_name='raison sociale')),
                        ('legal_representative', models.CharField(blank=True, max_length=200, verbose_name='représentant légal')),
                        ('iban', models.CharField(blank=True, max_length=34, verbose_name='IBAN')),
                        ('bic', models.CharField(blank=True, max_length=11, verbose_name='BIC')),
                        ('is_public_sector', models.BooleanField(default=False, verbose_name='structure publique (paiement par une régie)')),
                        ('labels', models.JSONField(blank=True, default=list, verbose_name='labels')),
                        ('charter_accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='charte acceptée le')),
                        ('qualification_status', models.CharField(choices=[('applied', 'Candidature'), ('qualified', 'Qualifié'), ('suspended', 'Suspendu'), ('disqualified', 'Déqualifié')], default='applied', max_length=14, verbose_name='qualification')),
                        ('status_reason', models.CharField(blank=True, max_length=255, verbose_name='motif')),
                        ('status_changed_at', models.DateTimeField(blank=True, null=True)),
                        ('qualified_at', models.DateTimeField(blank=True, null=True)),
                        ('bank_details_to_confirm', models.BooleanField(default=False, help_text='SIRET, IBAN ou BIC changés par la structure depuis sa qualification.', verbose_name='coordonnées bancaires à revalider')),
                        ('organisation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='mediator_profile', to='organisations.organisation')),
                    ],
                    options={
                        'verbose_name': 'profil de médiateur',
                        'db_table': 'mediation_mediatorprofile',
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('qualification_status__in', ['suspended', 'disqualified']), _negated=True), models.Q(('status_reason', ''), _negated=True), _connector='OR'), name='mediator_suspension_has_reason')],
                    },
                ),
            ],
        ),
        content_types_move('mediation', 'directory', ['mediatorprofile', 'place']),
    ]
