"""The print-and-mail partner's S3 drop: each letter as `print/<date>/<client>/<debtor>-<step>.pdf`
with a manifest beside it (`.manifest.json`) that says what it is, where it goes and where the
partner reports the posting (`posted/<client>/`, see services/posting.py)."""

from __future__ import annotations

import json

from chalicelib.services.ports import FileStore, PrintJob


def drop_prefix(job: PrintJob) -> str:
    return f"print/{job.handed_over_on.isoformat()}/{job.client_id}/{job.debtor_id}-{job.step}"


class S3PrintDrop:
    """The drop is a folder of the bucket the partner may read; both keys are fixed per letter
    and day, so a redelivered step puts the same files again instead of printing twice."""

    def __init__(self, files: FileStore) -> None:
        self.files = files

    def hand_over(self, job: PrintJob, pdf: bytes) -> str:
        prefix = drop_prefix(job)
        self.files.put(f"{prefix}.pdf", pdf, "application/pdf")
        manifest = {
            "format": "debtflow-print/1",
            "letter_id": job.letter_id,
            "client_id": job.client_id,
            "template": job.template,
            "handed_over_on": job.handed_over_on.isoformat(),
            "pdf": f"{prefix}.pdf",
            # The partner checks the address it prints against the one in the window.
            "recipient": list(job.recipient_lines),
            "paper": {"size": "A4", "envelope": "window, address on the left (EA5/6)", "class": "standard"},
            "report_posting_to": f"posted/{job.client_id}/",
        }
        key = f"{prefix}.manifest.json"
        self.files.put(
            key, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"), "application/json"
        )
        return key
