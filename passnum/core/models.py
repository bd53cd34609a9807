from django.db import models


class Counter(models.Model):
    """A named counter for numbers without gaps (chequebooks, statements).

    Read with ``counter_next`` only: it locks the row, so two transactions never get the
    same number and a rolled-back transaction gives its number back.
    """

    name = models.CharField(max_length=100, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "compteur"

    def __str__(self):
        return f"{self.name} = {self.value}"
