"""The extractor's rules on sentences quoted verbatim from real pages (those in tests/sources/, and from
trafilatura's evaluation set The Independent of 28 September 2020 and ABC7 of 9 November 2023)."""

from __future__ import annotations

import datetime as dt

import pytest

from briefing.gather.extract import date_of, find_figures, sentences

WEDNESDAY = dt.date(2023, 3, 1)


@pytest.mark.parametrize("sentence, expected", [
    ("Alexander Rodnyansky, an economic adviser to Zelenksy, told CNN on Tuesday that things were hard.", "2023-02-28"),
    ("The soldier said a video posted by the Ukrainian military on Wednesday was real.", "2023-03-01"),
    ("On Saturday, Land Forces of Ukraine said on its Telegram channel that the enemy kept trying.", "2023-02-25"),
    ("When Russian troops took the town of Soledar in mid-January, it marked a first gain.", "2023-01"),
    ("The Institute for the Study of War wrote on 26 February that manpower is not limitless.", "2023-02-26"),
    ("In December the front barely moved.", "2022-12"),  # a month after publication is last year's
    ("The story of March 1, 2023 says so.", "2023-03-01"),
    ("Nothing here is dated.", None),
])
def test_dates_in_words_are_resolved_against_the_publication_date(sentence: str, expected: str | None) -> None:
    assert date_of(sentence, WEDNESDAY) == expected


def test_without_a_publication_date_only_a_full_date_is_taken() -> None:
    assert date_of("It happened on Tuesday.", None) is None
    assert date_of("It happened on 28 February 2023.", None) == "2023-02-28"


def test_figures_with_what_they_count() -> None:
    found = {(f.value, f.approx, f.unit, f.label) for f in find_figures([
        "Normally, about 25 bodies a week are interred on the island, according to the Associated Press news agency.",
        "Employees could face a £50 fine if they fail to tell their bosses they have been told to self-isolate.",
        "The US as a whole has recorded 467,000 cases and about 16,700 deaths.",
        "Globally there are 1.6 million cases and 97,000 deaths.",
        "The 60,000 projection would match the upper estimate for total flu deaths in the US between October 2019 to March 2020, according to government data.",
        "The four-term congressman will depart the House for an as-yet-undefined role with President Donald Trump, a decision he "
        "disclosed in an interview with POLITICO Playbook that published around 5:30 a.m. on Dec. 19, ahead of the filing deadline at noon on Dec. 20.",
    ])}
    assert found == {(25, True, "bodies", "bodies a week"), (50, False, "pounds", "fine"), (467000, False, "cases", "cases"),
                     (16700, True, "deaths", "deaths"), (1600000, False, "cases", "cases"), (97000, False, "deaths", "deaths"),
                     (60000, False, "projection", "projection")}  # no year, time of day or "Dec. 19" is a figure


def test_sentences_do_not_break_after_titles_or_initials() -> None:
    nyt = "The second stage began at 6:25 p.m., when its operating reserves stood at 9.59 percent, Mr. Marcus said. California ISO listed that stage in its assessment at 6 percent."
    assert sentences(nyt) == ["The second stage began at 6:25 p.m., when its operating reserves stood at 9.59 percent, Mr. Marcus said.",
                              "California ISO listed that stage in its assessment at 6 percent."]
    politico = "He won an open-seat race for the district, which spans the western border of the state, in 2012 when then-Rep. Heath Shuler (D-N.C.) retired. Redistricting cracked the liberal enclave of Asheville and transformed the seat into safe GOP territory."
    assert len(sentences(politico)) == 2


def test_a_state_named_alone_is_the_location_with_its_region() -> None:
    """ABC7 San Francisco, 9 November 2023 (trafilatura's tests/eval/abc7news.com-Napa.html): the gazetteer's
    "California" is a town in Maryland; the story is about the state."""
    from briefing.gather.extract import find_places

    sentence = "Margaritaville Hotels and Resorts has properties all over the country including four in California."
    location, dateline, places = find_places((sentence,), [sentence])
    assert (location.name, location.country, location.admin1, dateline, places) == ("California", "US", "California", False, [])
    assert 32 < location.lat < 42 and -125 < location.lon < -114  # inside the state, not on Chesapeake Bay


def test_he_said_is_the_person_named_last_even_after_a_short_quote() -> None:
    """Two paragraphs of The New York Times, 16 August 2020 (tests/sources/nytimes-blackouts.html), verbatim:
    the first quote is too short to keep, but its speaker is who "he said" means; "Southern California"
    before it is a place, not a person."""
    from briefing.gather.extract import find_quotes

    paragraphs = (
        "The state is currently reviewing proposals to extend the operation of old natural gas plants in Southern California. "
        "Environmentalists want the plants to remain closed because they use fossil fuels and are cooled using seawater, "
        "endangering marine life.",
        "“It makes for a compelling story” if you have blackouts because of a lack of power plants, Mr. Powers said. "
        "“We know there is no capacity problem,” he said. “Something odd happened.”",
    )
    (quote,) = find_quotes(paragraphs, dt.date(2020, 8, 16))
    assert (quote.text, quote.speaker, quote.said) == ("We know there is no capacity problem", "Mr. Powers", None)
