"""What a person is told before registration, and how long their record is kept.

Rules: a person's consent is recorded with the version of the information text read to them
(PASSNUM_CONSENT_TEXT_VERSION); their record is anonymised PASSNUM_RETENTION_MONTHS months
(default 36) after their last activity (``BeneficiaryQuerySet.past_retention``)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

#: Version of the information text read to the person before registration (shown to the agent).
CONSENT_TEXT_VERSION = settings.PASSNUM_CONSENT_TEXT_VERSION
CONSENT_TEXT = (
    "Vos nom, prénom, date de naissance, commune et, si vous le souhaitez, votre téléphone ou "
    "votre e-mail sont enregistrés par le Conseil départemental de l'Aveyron pour vous remettre "
    "un Pass numérique et vous orienter vers un lieu de médiation numérique. Seuls l'accueil qui "
    "vous reçoit et le médiateur choisi les voient. Ils sont anonymisés "
    f"{settings.PASSNUM_RETENTION_MONTHS} mois après votre dernière démarche. Vous pouvez "
    "demander à les consulter ou à les faire effacer à tout moment auprès de cet accueil."
)


def retention_cutoff(now=None):
    """The instant before which a last activity is past retention: PASSNUM_RETENTION_MONTHS
    months (of 365.25 / 12 days) before ``now``."""
    now = now or timezone.now()
    return now - timedelta(days=round(settings.PASSNUM_RETENTION_MONTHS * 365.25 / 12))


def beneficiary_touch(*, beneficiary) -> None:
    """Rule: any activity (assessment, hand-over, referral) restarts the person's retention
    period (``last_activity_at``, read by ``Beneficiary.objects.past_retention``)."""
    type(beneficiary).objects.filter(pk=beneficiary.pk).update(last_activity_at=timezone.now())
