"""Cheque stock services: every write on chequebooks and cheques, each stating its rule, one
module per concern. Hand-over rules (``handover.chequebook_hand_over``) are the heart of the
app; the others cover codes, print runs, operator imports, stock movements, cancellation, the
end of a vintage and what a member may do with a chequebook (``actions``). The public names are
re-exported here (``services.chequebook_hand_over``); each is defined in exactly one submodule."""

from .actions import (
    ChequebookActions,
    chequebook_actions,
)
from .cancellation import (
    cheque_cancel,
    chequebook_cancel,
    chequebook_may_be_cancelled_by,
)
from .codes import (
    CODE_ALPHABET,
    CODE_LENGTH,
    cheque_code_generate,
    cheque_code_hash,
    cheque_code_matches,
    cheque_qr_parse,
    cheque_qr_svg,
    cheque_qr_text,
    cheque_scan_read,
)
from .common import (
    envelope_filter_for,
    envelope_serves,
)
from .handover import (
    chequebook_hand_over,
    chequebook_handed_out_by_desk_of,
    chequebook_handover_candidates,
    chequebook_receipt_allowed,
    chequebook_receipt_pdf,
    handover_exception_grant,
)
from .imports import (
    ImportRejected,
    import_batch_create,
    import_file_decode,
)
from .print_runs import (
    PRINT_RUN_CHUNK,
    PRINT_RUN_MAX,
    PRINT_RUN_STALE_MINUTES,
    cheque_number_for,
    print_run_can_relaunch,
    print_run_chunk_render,
    print_run_chunk_size,
    print_run_create,
    print_run_download_record,
    print_run_is_stalled,
    print_run_relaunch,
    print_run_render,
)
from .stock import (
    chequebook_may_be_returned_by,
    chequebook_may_be_transferred,
    chequebook_return_to_stock,
    chequebook_transfer,
    chequebooks_allocate,
    chequebooks_receipt_confirm,
)
from .vintage_end import (
    vintage_alert_send,
    vintage_end_run,
    vintage_expire,
    vintage_freeze_can_be_lifted,
    vintage_freeze_lift,
    vintage_freeze_may_be_lifted_by,
    vintage_freeze_notify,
    vintage_handover_label,
)

__all__ = [
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "cheque_code_generate",
    "cheque_code_hash",
    "cheque_code_matches",
    "cheque_qr_text",
    "cheque_qr_parse",
    "cheque_scan_read",
    "cheque_qr_svg",
    "envelope_serves",
    "envelope_filter_for",
    "PRINT_RUN_MAX",
    "PRINT_RUN_CHUNK",
    "PRINT_RUN_STALE_MINUTES",
    "cheque_number_for",
    "print_run_create",
    "print_run_render",
    "print_run_chunk_render",
    "print_run_chunk_size",
    "print_run_is_stalled",
    "print_run_can_relaunch",
    "print_run_relaunch",
    "print_run_download_record",
    "ImportRejected",
    "import_file_decode",
    "import_batch_create",
    "chequebooks_allocate",
    "chequebooks_receipt_confirm",
    "chequebook_return_to_stock",
    "chequebook_may_be_returned_by",
    "chequebook_may_be_transferred",
    "chequebook_transfer",
    "chequebook_handover_candidates",
    "chequebook_hand_over",
    "handover_exception_grant",
    "chequebook_handed_out_by_desk_of",
    "chequebook_receipt_allowed",
    "chequebook_receipt_pdf",
    "chequebook_may_be_cancelled_by",
    "chequebook_cancel",
    "cheque_cancel",
    "vintage_end_run",
    "vintage_alert_send",
    "vintage_freeze_notify",
    "vintage_expire",
    "vintage_freeze_can_be_lifted",
    "vintage_freeze_may_be_lifted_by",
    "vintage_handover_label",
    "vintage_freeze_lift",
    "ChequebookActions",
    "chequebook_actions",
]
