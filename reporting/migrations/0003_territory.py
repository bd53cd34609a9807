"""The tallies' EPCI columns now point at territory (same table: state only)."""

import django.db.models.deletion
from django.db import migrations, models



class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0002_chequebook_tally_measures'),
        ('territory', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='assessmenttally',
                    name='beneficiary_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='assessmenttally',
                    name='organisation_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='chequebooktally',
                    name='beneficiary_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='chequebooktally',
                    name='envelope_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='chequebooktally',
                    name='front_desk_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='handovertally',
                    name='beneficiary_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='handovertally',
                    name='envelope_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='handovertally',
                    name='front_desk_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='redemptiontally',
                    name='beneficiary_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='redemptiontally',
                    name='envelope_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='redemptiontally',
                    name='place_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='referraltally',
                    name='beneficiary_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='referraltally',
                    name='from_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='referraltally',
                    name='place_epci',
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='territory.epci'),
                ),
                migrations.AlterField(
                    model_name='report',
                    name='epci',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='territory.epci'),
                ),
            ],
        ),
    ]
