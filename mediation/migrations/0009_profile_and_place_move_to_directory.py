"""MediatorProfile and Place leave mediation's state (their tables are directory's now)."""

from django.db import migrations



class Migration(migrations.Migration):
    dependencies = [
        ('mediation', '0008_people_and_directory'),
        ('orientation', '0003_beneficiary_moves_to_people'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='MediatorProfile',
                ),
                migrations.DeleteModel(
                    name='Place',
                ),
            ],
        ),
    ]
