"""Who may do what on a client's dashboard: a signed-in user belongs to one client and is its
owner (reads and decides) or a viewer (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.dossier import DisputeState, Dossier, Status, Trigger


class Role(StrEnum):
    OWNER = "owner"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Caller:
    """A user as the verified login token names them; never taken from a request body."""

    user: str
    client_id: str
    role: Role

    @property
    def decides(self) -> bool:
        return self.role is Role.OWNER

    @property
    def actor(self) -> str:
        """How the audit trail names the user's decisions."""
        return f"user:{self.user}"


class Action(StrEnum):
    APPROVE_HANDOVER = "approve_handover"
    DECLINE_HANDOVER = "decline_handover"
    RESOLVE_DISPUTE = "resolve_dispute"
    AGREE_ARRANGEMENT = "agree_arrangement"
    PAUSE = "pause"
    RESUME = "resume"
    WITHDRAW = "withdraw"


def actions_on(dossier: Dossier, caller: Caller) -> list[Action]:
    """The decisions this caller may take on the dossier now: none for a viewer, and for an owner
    only those the transition table allows in the dossier's status."""
    if not caller.decides:
        return []
    actions = []
    if dossier.status is Status.AWAITING_HANDOVER_DECISION:
        actions += [Action.APPROVE_HANDOVER, Action.DECLINE_HANDOVER]
    if any(d.state is DisputeState.WITH_CLIENT for d in dossier.disputes):
        actions.append(Action.RESOLVE_DISPUTE)
    if dossier.may(Trigger.ARRANGEMENT_AGREED):
        actions.append(Action.AGREE_ARRANGEMENT)
    if dossier.may(Trigger.CLIENT_PAUSED_DUNNING):
        actions.append(Action.PAUSE)
    if dossier.may(Trigger.CLIENT_RESUMED_DUNNING):
        actions.append(Action.RESUME)
    if dossier.may(Trigger.WITHDRAWN_BY_CLIENT):
        actions.append(Action.WITHDRAW)
    return actions
