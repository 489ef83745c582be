"""B1 Dutch: every Dutch page text and message template a debtor or client reads scores at least
60 on Flesch-Douma (textstat's Dutch Flesch formula). The figures are printed (`pytest -s`, and
`make bench` prints them too)."""

from __future__ import annotations

import pytest

from bench.readability import MINIMUM, dutch_scores


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    return dutch_scores()


def test_every_dutch_page_and_message_reads_at_b1(scores: dict[str, float]) -> None:
    for name, score in sorted(scores.items()):
        print(f"{name:40} {score:6.1f}")
    assert len([n for n in scores if n.startswith("page:")]) >= 4
    assert len([n for n in scores if n.startswith("email:")]) >= 17
    too_hard = {name: round(score, 1) for name, score in scores.items() if score < MINIMUM}
    assert too_hard == {}


def test_a_hard_text_scores_below_the_minimum() -> None:
    """The measure can fail: legal Dutch with long words and sentences scores far below 60."""
    from bench.readability import flesch_douma

    legalese = (
        "Indien de schuldenaar na het verstrijken van de in de veertiendagenbrief genoemde termijn "
        "in gebreke blijft met de voldoening van de verschuldigde hoofdsom, is hij gehouden tot "
        "vergoeding van de buitengerechtelijke incassokosten overeenkomstig de toepasselijke regelgeving."
    )
    assert flesch_douma(legalese) < MINIMUM
