"""The programme's services: loading its reference data (reference) and its editing by the
programme managers (editing). Each function lives in one of them; the names are re-exported."""

from .editing import (  # noqa: F401
    budget_line_save,
    envelopes_update,
    epci_partners_set,
    funder_update,
    programme_update,
    target_public_create,
    target_public_update,
    vintage_save,
)
from .funding import fund_call_issue, fund_payment_record  # noqa: F401
from .reference import (  # noqa: F401
    programme_load_aveyron,
    programme_load_current,
    reference_data_load,
    split_evenly,
    vintage_defaults,
    vintages_current_years,
)
