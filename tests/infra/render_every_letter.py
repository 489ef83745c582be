"""Render every letter type the functions post or file, with nothing but the deployed code on the
path: `python -I render_every_letter.py <function dir> <layer site-packages> <out dir>`.

tests/infra/test_package.py runs this in a subprocess whose sys.path holds only the built layer and
the function zip's contents, so a module pruned from the layer that a letter still needs fails
here, as it would on Lambda. It writes one PDF per letter type and `modules.json` (every module the
rendering loaded, those loaded from outside the function, the layer and the standard library, and
where the modules whose compiled builds the layer drops now come from). It imports nothing from
tests/ and, run with `-I -S`, nothing from the virtualenv.
"""

from __future__ import annotations

import importlib
import json
import sys
import sysconfig
from pathlib import Path


def main(function_dir: str, site_packages: str, out: str) -> None:
    sys.path[:0] = [function_dir, site_packages]
    from datetime import UTC, date, datetime

    from chalicelib.adapters.letters import PdfLetterRenderer
    from chalicelib.domain import dunning
    from chalicelib.domain.clients import Client
    from chalicelib.domain.debtor_list import DebtorDetails, DebtorType
    from chalicelib.domain.dossier import Dossier, Invoice
    from chalicelib.services.dossier_actions import charge_money_due
    from chalicelib.services.handover import handover_file, summary_letter
    from chalicelib.services.letter_content import LetterOccasion, letter_for

    client = Client(
        client_id="groothandel-peeters",
        name="Groothandel Peeters B.V.",
        sender_email="noreply@debtflow.example",
        reply_to_email="debiteuren@peeters.example",
        redirect_url="https://peeters.example/bedankt",
        mollie_key_parameter="/debtflow/clients/groothandel-peeters/mollie-api-key",
        postal_address="Havenweg 1\n3011 AA  Rotterdam",
        kvk_number="24123456",
        iban="NL91ABNA0417164300",
        phone="010 123 4567",
    )
    posted, now = date(2026, 12, 8), datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
    url = "https://payment-links.mollie.com/payment/pl_4Y0eZitmBnQ6IDoMqZQKh"

    def dossier(kind: DebtorType, name: str) -> Dossier:
        debtor = DebtorDetails(
            debtor_id="10023" if kind is DebtorType.CONSUMER else "20417",
            name=name,
            debtor_type=kind,
            street="Ĳsselkade 12",
            postcode="7201 HA",
            city="Zutphen",
        )
        result = Dossier(client_id=client.client_id, debtor=debtor, opened_on=date(2026, 11, 20))
        result.invoices["2026-0388"] = Invoice("2026-0388", date(2026, 10, 15), 125_000, 125_000)
        charge_money_due(result, client, posted, now)
        return result

    consumer = dossier(DebtorType.CONSUMER, "Şükrü Yılmaz-Doğan van der Ĳssel")
    business = dossier(DebtorType.BUSINESS, "Łukasz Szőke & Søren Weiß Café B.V.")
    fourteen_day = dunning.fourteen_day_letter(consumer, client, posted, 3)
    renderer = PdfLetterRenderer()
    letters = {
        "fourteen_day_letter": letter_for(
            client, consumer, LetterOccasion("fourteen_day_letter", 3, posted, url, fourteen_day=fourteen_day)
        ),
        "reminder_letter": letter_for(client, business, LetterOccasion("reminder_letter", 1, posted, url)),
        "final_demand": letter_for(
            client, business, LetterOccasion("final_demand", 8, posted, url, term_days=7)
        ),
        "handover_summary": summary_letter(client, handover_file(client, business, [], posted, "minimum")),
    }
    target = Path(out)
    for name, letter in letters.items():
        (target / f"{name}.pdf").write_bytes(renderer.render(letter))
    roots = (
        function_dir,
        site_packages,
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["platstdlib"],
    )
    outside = sorted(
        name
        for name, module in list(sys.modules.items())
        if name != "__main__"
        and getattr(module, "__file__", None)
        and not str(module.__file__).startswith(roots)
    )
    loaded = sorted(sys.modules)
    # Pure-Python stand-ins for the compiled builds infra/package.py prunes: still importable.
    pure = {
        name: str(importlib.import_module(name).__file__)
        for name in (
            "fontTools.cu2qu.cu2qu",
            "fontTools.qu2cu.qu2cu",
            "fontTools.feaLib.lexer",
            "fontTools.pens.momentsPen",
        )
    }
    (target / "modules.json").write_text(json.dumps({"loaded": loaded, "outside": outside, "pure": pure}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
