"""The dossier package: its life as a transition table (`lifecycle`), the values it holds
(`records`), how money moves through it (`payments`) and the aggregate itself (`aggregate`)."""

from chalicelib.domain.dossier.aggregate import OVERPAID_FLAG, Dossier, Planner
from chalicelib.domain.dossier.lifecycle import ACTIVE, CLOSED, DUNNING, TRANSITIONS, Status, Trigger
from chalicelib.domain.dossier.records import (
    OPEN_DISPUTE_STATES,
    AuditEvent,
    CostCharge,
    Dispute,
    DisputeProof,
    DisputeReason,
    DisputeState,
    FourteenDayLetter,
    Invoice,
    Party,
    PaymentLink,
    ReceivedPayment,
    Schedule,
    SentMessage,
    Waiting,
)

__all__ = [
    "ACTIVE",
    "CLOSED",
    "DUNNING",
    "OPEN_DISPUTE_STATES",
    "OVERPAID_FLAG",
    "TRANSITIONS",
    "AuditEvent",
    "CostCharge",
    "Dispute",
    "DisputeProof",
    "DisputeReason",
    "DisputeState",
    "Dossier",
    "FourteenDayLetter",
    "Invoice",
    "Party",
    "PaymentLink",
    "Planner",
    "ReceivedPayment",
    "Schedule",
    "SentMessage",
    "Status",
    "Trigger",
    "Waiting",
]
