"""Proof of payment a debtor uploads: which files are accepted, judged by their content.

A file is a proof only when its first bytes carry the signature of an accepted type (`%PDF-`,
JPEG's FF D8 FF, PNG's eight-byte header) and its size is within the limit. The name and the type
the browser claimed say nothing: `betaling.pdf` that starts with `MZ` is a program and is refused.
The limits and signatures are data (`chalicelib/data/proof_uploads.json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from urllib.parse import quote, unquote

PREFIX = "proofs"


@dataclass(frozen=True)
class ProofType:
    content_type: str
    label: str
    accept: str
    signatures: tuple[bytes, ...]


@dataclass(frozen=True)
class ProofRules:
    max_bytes: int
    form_valid_seconds: int
    types: tuple[ProofType, ...]

    @property
    def longest_signature(self) -> int:
        return max(len(s) for t in self.types for s in t.signatures)


@cache
def proof_rules() -> ProofRules:
    raw = json.loads(resources.files("chalicelib.data").joinpath("proof_uploads.json").read_text("utf-8"))
    return ProofRules(
        max_bytes=int(raw["max_bytes"]),
        form_valid_seconds=int(raw["form_valid_seconds"]),
        types=tuple(
            ProofType(
                name,
                str(spec["label"]),
                str(spec["accept"]),
                tuple(bytes.fromhex(h) for h in spec["signatures"]),
            )
            for name, spec in raw["types"].items()
        ),
    )


class Refusal(StrEnum):
    EMPTY = "the file is empty"
    TOO_LARGE = "the file is larger than allowed"
    WRONG_TYPE = "the file's content is not a PDF, JPEG or PNG"


@dataclass(frozen=True)
class ProofCheck:
    content_type: str | None
    refused: Refusal | None

    @property
    def accepted(self) -> bool:
        return self.refused is None


def check_proof(head: bytes, size_bytes: int, rules: ProofRules) -> ProofCheck:
    """Judge an uploaded file by its size and its first bytes."""
    if size_bytes <= 0:
        return ProofCheck(None, Refusal.EMPTY)
    if size_bytes > rules.max_bytes:
        return ProofCheck(None, Refusal.TOO_LARGE)
    for kind in rules.types:
        if any(head.startswith(signature) for signature in kind.signatures):
            return ProofCheck(kind.content_type, None)
    return ProofCheck(None, Refusal.WRONG_TYPE)


@dataclass(frozen=True)
class ProofKey:
    """Where a proof lands in the bucket: `proofs/<client>/<debtor>/<dispute>/<file id>`, one
    prefix per dossier. The debtor number is quoted, so a `/` in it cannot move the file."""

    client_id: str
    debtor_id: str
    dispute_id: str
    file_id: str

    def __str__(self) -> str:
        debtor = quote(self.debtor_id, safe="")
        return f"{PREFIX}/{self.client_id}/{debtor}/{self.dispute_id}/{self.file_id}"

    @classmethod
    def parse(cls, key: str) -> ProofKey | None:
        parts = key.split("/")
        if len(parts) != 5 or parts[0] != PREFIX or not all(parts[1:]):
            return None
        return cls(parts[1], unquote(parts[2]), parts[3], parts[4])
