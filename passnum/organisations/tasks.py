from celery import shared_task

from .models import Invitation
from .services import invitation_email_compose


@shared_task
def invitation_email_send(invitation_id: int, accept_url: str) -> None:
    """Send the e-mail of an invitation (queued after the invitation is committed)."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    invitation_email_compose(invitation=invitation, accept_url=accept_url).send()
