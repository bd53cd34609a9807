def test_a_print_run_after_an_import_skips_the_imported_numbers(reference_data):
    """An operator's import took numbers the counter would give next: the run goes after them."""
    from django.utils import timezone

    from chequebooks.services import print_run_create
    from passnum.core.models import Counter
    from passnum.programme.models import Envelope
    from passnum.programme.services import vintage_defaults
    from tests.factories import ChequebookFactory, manager_membership

    manager = manager_membership()
    envelope = Envelope.objects.get(side="cd12")
    # The programme's own vintages (2020-2022) have ended: this year's is still printed.
    vintage = vintage_defaults(programme=envelope.programme, year=timezone.localdate().year)
    Counter.objects.update_or_create(name="chequebook", defaults={"value": 100})
    ChequebookFactory(number=102, vintage=vintage, envelope=envelope)
    run = print_run_create(
        vintage=vintage, envelope=envelope, chequebook_count=3, membership=manager
    )
    assert (run.first_number, run.last_number) == (103, 105)
    following = print_run_create(
        vintage=vintage, envelope=envelope, chequebook_count=2, membership=manager
    )
    assert (following.first_number, following.last_number) == (106, 107)
