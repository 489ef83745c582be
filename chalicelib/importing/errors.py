"""The one error a whole debtor list can have: nothing in it can be imported."""

from __future__ import annotations


class UnreadableList(Exception):
    """The file as a whole cannot be read; no row of it is imported.

    `reason` is one sentence for the client, in plain English a Dutch reader follows easily,
    saying what is wrong and, where we can, what to do about it.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ListStorageFailure(Exception):
    """Reading the bytes of the list failed in the storage under it (S3, the network), not in
    the list itself. Says nothing about the file, so it is never reported as a damaged list:
    the import fails and SQS delivers the upload again."""
