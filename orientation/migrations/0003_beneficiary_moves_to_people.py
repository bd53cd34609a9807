"""Assessments and referrals point at people and directory; orientation's Beneficiary leaves the state (its table is people's now)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('orientation', '0002_beneficiaryref_assessment_handover_suggested_and_more'),
        ('people', '0001_initial'),
        ('directory', '0001_initial'),
        ('chequebooks', '0005_people'),
        ('mediation', '0008_people_and_directory'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assessment',
                    name='beneficiary',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assessments', to='people.beneficiary'),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='beneficiary',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='people.beneficiary'),
                ),
                migrations.AlterField(
                    model_name='referral',
                    name='place',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='referrals', to='directory.place'),
                ),
                migrations.DeleteModel(
                    name='BeneficiaryRef',
                ),
                migrations.DeleteModel(
                    name='Beneficiary',
                ),
            ],
        ),
    ]
