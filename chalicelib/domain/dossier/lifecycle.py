"""The life of a dossier as one table: which trigger may move a dossier in which status, and where to.

A pair missing from `TRANSITIONS` is not allowed. `Dossier.apply` is the only code that changes a
status, and it writes the audit event; a test fails when a trigger here is never fired by product
code, so the table stays the single list of what may happen.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    OPEN = "open"
    REMINDED = "reminded"
    AWAITING_HANDOVER_DECISION = "awaiting_handover_decision"
    HANDED_OVER = "handed_over"
    PAID = "paid"
    SETTLED_BY_CLIENT = "settled_by_client"
    WITHDRAWN = "withdrawn"
    IN_ARRANGEMENT = "in_arrangement"
    # Every open invoice is disputed: nothing is chased until the disputes are answered.
    DISPUTED = "disputed"
    # The client stopped the messages until a date it chose.
    PAUSED = "paused"


class Trigger(StrEnum):
    REMINDER_SENT = "reminder_sent"
    HANDOVER_DECISION_REQUESTED = "handover_decision_requested"
    CLIENT_APPROVED_HANDOVER = "client_approved_handover"
    CLIENT_DECLINED_HANDOVER = "client_declined_handover"
    # The client did not decide after being reminded: the reminders go on at the follow-up rhythm.
    HANDOVER_DECISION_LAPSED = "handover_decision_lapsed"
    FULLY_PAID = "fully_paid"
    SETTLED_BY_CLIENT = "settled_by_client"
    WITHDRAWN_BY_CLIENT = "withdrawn_by_client"
    ARRANGEMENT_AGREED = "arrangement_agreed"
    ARRANGEMENT_COMPLETED = "arrangement_completed"
    ARRANGEMENT_DEFAULTED = "arrangement_defaulted"
    # A plan agreed while the client was deciding on a hand-over returns to that decision.
    ARRANGEMENT_DEFAULTED_TO_DECISION = "arrangement_defaulted_to_decision"
    # Every installment was paid, yet something is owed that the plan did not cover (an invoice
    # upheld or added meanwhile): that is chased as usual.
    ARRANGEMENT_FULFILLED = "arrangement_fulfilled"
    # Some invoices are disputed, others are still chased: the status stays.
    INVOICES_DISPUTED = "invoices_disputed"
    # After this dispute nothing undisputed is left to chase.
    DISPUTE_FILED = "dispute_filed"
    # A dispute was answered (paid, copy sent, upheld, credited) while others invoices are chased.
    DISPUTE_ANSWERED = "dispute_answered"
    # The last dispute of a fully disputed dossier was answered: chasing resumes.
    DISPUTE_RESOLVED = "dispute_resolved"
    REOPENED = "reopened"
    CLIENT_PAUSED_DUNNING = "client_paused_dunning"
    CLIENT_RESUMED_DUNNING = "client_resumed_dunning"
    PAUSE_ENDED = "pause_ended"
    PAYMENT_PROMISED = "payment_promised"
    # SES reported a permanent bounce or a complaint: the address is not used again.
    EMAIL_ADDRESS_REJECTED = "email_address_rejected"
    # The debtor's proof of payment for an "already paid" dispute passed the file check, or did not.
    DISPUTE_PROOF_RECEIVED = "dispute_proof_received"
    DISPUTE_PROOF_REFUSED = "dispute_proof_refused"
    # The debtor asked on their page to be called back at a time of their choosing.
    CALL_BACK_REQUESTED = "call_back_requested"


DUNNING = (Status.OPEN, Status.REMINDED)
PROOF_CHECKED = (Trigger.DISPUTE_PROOF_RECEIVED, Trigger.DISPUTE_PROOF_REFUSED)
ACTIVE = (
    *DUNNING,
    Status.AWAITING_HANDOVER_DECISION,
    Status.IN_ARRANGEMENT,
    Status.DISPUTED,
    Status.PAUSED,
)
CLOSED = (Status.PAID, Status.SETTLED_BY_CLIENT, Status.WITHDRAWN)
# Where a dispute may be filed: not in an arrangement (the debtor agreed to the amount) and not
# after the file left for the agency.
DISPUTABLE = (*DUNNING, Status.AWAITING_HANDOVER_DECISION, Status.PAUSED, Status.DISPUTED)

TRANSITIONS: dict[tuple[Status, Trigger], Status] = {
    (Status.OPEN, Trigger.REMINDER_SENT): Status.REMINDED,
    (Status.REMINDED, Trigger.REMINDER_SENT): Status.REMINDED,
    **{(s, Trigger.HANDOVER_DECISION_REQUESTED): Status.AWAITING_HANDOVER_DECISION for s in DUNNING},
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_APPROVED_HANDOVER): Status.HANDED_OVER,
    (Status.AWAITING_HANDOVER_DECISION, Trigger.CLIENT_DECLINED_HANDOVER): Status.REMINDED,
    (Status.AWAITING_HANDOVER_DECISION, Trigger.HANDOVER_DECISION_LAPSED): Status.REMINDED,
    **{
        (s, Trigger.CLIENT_PAUSED_DUNNING): Status.PAUSED
        for s in (*DUNNING, Status.AWAITING_HANDOVER_DECISION)
    },
    (Status.PAUSED, Trigger.CLIENT_RESUMED_DUNNING): Status.REMINDED,
    (Status.PAUSED, Trigger.PAUSE_ENDED): Status.REMINDED,
    # A debtor's promise on the phone changes no status; the next step waits for the promised day.
    **{(s, Trigger.PAYMENT_PROMISED): s for s in DUNNING},
    # A bounce may arrive in any state (the last reminder bounces after the debtor paid); the status
    # stays, the address is marked unusable so later messages take the next channel.
    **{(s, Trigger.EMAIL_ADDRESS_REJECTED): s for s in Status},
    # An upload is checked whenever it lands (the dossier may have closed meanwhile), except after
    # the hand-over, when the file is the agency's; the status stays.
    **{(s, t): s for s in Status if s is not Status.HANDED_OVER for t in PROOF_CHECKED},
    # A call back changes no status; the call team finds it on its worklist.
    **{(s, Trigger.CALL_BACK_REQUESTED): s for s in ACTIVE},
    **{(s, Trigger.FULLY_PAID): Status.PAID for s in ACTIVE},
    **{(s, Trigger.SETTLED_BY_CLIENT): Status.SETTLED_BY_CLIENT for s in (*ACTIVE, Status.HANDED_OVER)},
    **{(s, Trigger.WITHDRAWN_BY_CLIENT): Status.WITHDRAWN for s in ACTIVE},
    **{
        (s, Trigger.ARRANGEMENT_AGREED): Status.IN_ARRANGEMENT
        for s in (*DUNNING, Status.AWAITING_HANDOVER_DECISION, Status.PAUSED)
    },
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_COMPLETED): Status.PAID,
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_DEFAULTED): Status.REMINDED,
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_DEFAULTED_TO_DECISION): Status.AWAITING_HANDOVER_DECISION,
    (Status.IN_ARRANGEMENT, Trigger.ARRANGEMENT_FULFILLED): Status.REMINDED,
    **{(s, Trigger.INVOICES_DISPUTED): s for s in DISPUTABLE},
    **{(s, Trigger.DISPUTE_FILED): Status.DISPUTED for s in (*DUNNING, Status.AWAITING_HANDOVER_DECISION)},
    # An earlier dispute may be answered after a plan was agreed for the rest.
    **{(s, Trigger.DISPUTE_ANSWERED): s for s in (*DISPUTABLE, Status.IN_ARRANGEMENT)},
    (Status.DISPUTED, Trigger.DISPUTE_RESOLVED): Status.REMINDED,
    # A refund, chargeback or a reappearing invoice undoes a closure.
    **{(s, Trigger.REOPENED): Status.REMINDED for s in CLOSED},
}
