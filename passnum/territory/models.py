"""The territory: Aveyron's EPCI and communes, and the two sides of the partnership.

The lowest layer of reference data: organisations, people and places are located with it,
the programme's envelopes are drawn along it. It imports nothing of the project."""

from django.db import models


class Side(models.TextChoices):
    """Who a front desk, an envelope or a target public belongs to."""

    CD12 = "cd12", "Département (CD12)"
    EPCI = "epci", "Intercommunalité (EPCI)"


class Epci(models.Model):
    siren = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=200)
    is_partner = models.BooleanField(
        "partenaire du programme",
        default=False,
        help_text="Les EPCI engagés dans le programme (17 selon le document d'origine).",
    )

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]
        db_table = "programme_epci"  # the table keeps the name it had in programme

    def __str__(self):
        return self.name


class Commune(models.Model):
    insee_code = models.CharField("code INSEE", max_length=5, unique=True)
    name = models.CharField("nom", max_length=200, db_index=True)
    postcodes = models.CharField("codes postaux", max_length=100, blank=True)
    population = models.PositiveIntegerField("population", default=0)
    epci = models.ForeignKey(
        Epci, verbose_name="EPCI", null=True, on_delete=models.PROTECT, related_name="communes"
    )

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]
        db_table = "programme_commune"  # the table keeps the name it had in programme

    def __str__(self):
        return self.name

    @property
    def postcode(self):
        """The first postcode (the data lists several separated by spaces)."""
        codes = self.postcodes.replace("|", " ").split()
        return codes[0] if codes else ""
