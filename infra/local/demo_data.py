"""The demo client and its debtor list: a club-and-shop mix as a real Dutch export looks."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.domain.clients import Client
from chalicelib.domain.debtor_list import DebtorType

DEMO_CLIENT = Client(
    client_id="sportpark-de-zwaluwen",
    name="Sportpark De Zwaluwen",
    sender_email="noreply@debtflow.example",
    reply_to_email="administratie@dezwaluwen.example",
    redirect_url="https://dezwaluwen.example/bedankt",
    mollie_key_parameter="/debtflow/clients/sportpark-de-zwaluwen/mollie-api-key",
    default_debtor_type=DebtorType.CONSUMER,
    # A club: costs on members' small recurring contributie claims are capped per six months
    # ([open] rule). Its business debtors (the shop's customers) get the defaults: the BIK scale
    # for collection costs and statutory commercial interest (BW 6:96 lid 4, 6:119a).
    club=True,
    # The letterhead of its letters (NEN 1026): address, KvK, IBAN, phone; the e-mail is the reply-to.
    postal_address="Sportparklaan 4\n3521 AB  Utrecht",
    kvk_number="40481234",
    iban="NL91ABNA0417164300",
    phone="030 234 5678",
)
# A test-mode key of the emulator's demo account; real keys live only in SSM.
DEMO_MOLLIE_KEY = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"

# Semicolon CSV with decimal commas, dd-mm-yyyy dates and a total row, as Exact Online exports it.
DEMO_LIST = """Openstaande posten debiteuren per 30-11-2026
Relatiecode;Naam;Soort;E-mail;Telefoon;Factuurnummer;Factuurdatum;Vervaldatum;Bedrag;Openstaand
10001;Jan de Vries;Particulier;jan.devries@example.nl;06 12345678;2026-0412;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10002;Fatima El Amrani;Particulier;f.elamrani@example.nl;0612345679;2026-0415;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10003;Bakkerij Smit B.V.;Zakelijk;boekhouding@bakkerijsmit.example;020-1234567;2026-0388;15-09-2026;15-10-2026;€ 1.250,00;€ 1.250,00
10003;Bakkerij Smit B.V.;Zakelijk;boekhouding@bakkerijsmit.example;020-1234567;2026-0431;15-10-2026;14-11-2026;€ 420,50;€ 420,50
10004;Pieter van den Berg;Particulier;pieter.vdberg@example.nl;;2026-0419;01-10-2026;15-10-2026;€ 185,00;€ 92,50
10005;Sanne Jansen;Particulier;sanne.jansen@example.nl;06-87654321;2026-0420;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10006;Installatiebedrijf Koster V.O.F.;Zakelijk;info@kosterinstallatie.example;0101234567;2026-0377;01-09-2026;01-10-2026;€ 3.480,00;€ 3.480,00
10007;Mohammed Yilmaz;Particulier;m.yilmaz@example.nl;;2026-0422;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10008;Lotte Bakker;Particulier;lotte.bakker@example.nl;0622334455;2026-0423;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10009;Stichting Jeugdsport Oost;Zakelijk;penningmeester@jeugdsportoost.example;;2026-0401;20-09-2026;20-10-2026;€ 750,00;€ 750,00
10010;Daan Visser;Particulier;daan.visser@example.nl;;2026-0425;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10011;Eva Mulder;Particulier;eva.mulder@example.nl;0655667788;2026-0426;01-10-2026;15-10-2026;€ 185,00;€ 185,00
10012;Café De Hoek;Zakelijk;kroeg@dehoek.example;;2026-0366;25-08-2026;24-09-2026;€ 642,35;€ 642,35
Totaal;;;;;;;;€ 8.147,85;€ 8.055,35
"""

# A second club with a family: one parent pays the contributie of three children (a household,
# domain/households.py); the bank reversed one child's direct debit (storno).
FAMILY_CLUB = Client(
    client_id="vv-de-meeuwen",
    name="VV De Meeuwen",
    sender_email="noreply@debtflow.example",
    reply_to_email="penningmeester@demeeuwen.example",
    redirect_url="https://demeeuwen.example/bedankt",
    mollie_key_parameter="/debtflow/clients/vv-de-meeuwen/mollie-api-key",
    default_debtor_type=DebtorType.CONSUMER,
    club=True,
)
FAMILY_MOLLIE_KEY = "test_Fam1LyJansenHouseholdKey000000"

# Sportlink-style member list: split names, a team, and the parent who pays (ouder/verzorger).
FAMILY_LIST = """Lidnummer;Roepnaam;Tussenvoegsel(s);Achternaam;Team;Ouder/verzorger;E-mail ouder/verzorger;Factuurnummer;Vervaldatum;Openstaand
M3001;Sem;;Jansen;JO11-2;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-09-M3001;01-09-2026;15,00
M3001;Sem;;Jansen;JO11-2;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-10-M3001;01-10-2026;15,00
M3002;Lotte;;Jansen;MO13-1;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-10-M3002;01-10-2026;15,00
M3003;Daan;;Jansen;JO9-3;Marieke Jansen;marieke.jansen@example.nl;CONTR-2026-10-M3003;01-10-2026;15,00
"""

# The bank's reject file, as the club exports it from its banking portal: Daan's November direct
# debit came back for insufficient funds.
FAMILY_STORNO = """Lidnummer;Naam;IBAN;Bedrag;Redencode;Incassodatum;Kenmerk
M3003;M. Jansen;NL20INGB0001234567;15,00;AM04;02-11-2026;CONTR-2026-11-M3003
"""

# A second club on the same stack: the dashboard shows each client only its own dossiers.
DEMO_SECOND_CLIENT = replace(
    DEMO_CLIENT,
    client_id="vv-de-kievit",
    name="VV De Kievit",
    mollie_key_parameter="/debtflow/clients/vv-de-kievit/mollie-api-key",
)
# One demo user per client (email, password, role); local only, the pool lives in moto.
DEMO_LOGINS = {
    DEMO_CLIENT.client_id: ("penningmeester@zwaluwen.example", "Zwaluwen-Demo-2026", "owner"),
    DEMO_SECOND_CLIENT.client_id: ("penningmeester@kievit.example", "Kievit-Demo-2026", "owner"),
}
