"""The offline gazetteer (vendored GeoNames places)."""

from __future__ import annotations

import pytest

from briefing.gazetteer import GazetteerHit, PlaceNotFound, lookup
from briefing.geodata import normalise_name

BAKHMUT = (48.5947, 38.0008)


def test_nearest_of_duplicate_names_wins():
    near_bakhmut = lookup("Kostiantynivka", BAKHMUT)
    assert isinstance(near_bakhmut, GazetteerHit)
    assert near_bakhmut.country == "UA"
    assert near_bakhmut.lat == pytest.approx(48.53, abs=0.05)
    assert near_bakhmut.lon == pytest.approx(37.71, abs=0.05)
    # the same name near Zaporizhzhia Oblast picks a different Kostiantynivka
    south = lookup("Kostiantynivka", (46.8, 35.4))
    assert south.geonameid != near_bakhmut.geonameid
    assert south.lat == pytest.approx(46.82, abs=0.05)


def test_matches_alternate_ascii_names_case_and_diacritics_insensitively():
    hit = lookup("SLOVIANSK", BAKHMUT)  # GeoNames' main name is "Slovyansk"
    assert hit.country == "UA" and hit.lat == pytest.approx(48.85, abs=0.05)
    assert lookup("sao paulo", (-23.5, -46.6)).name == "São Paulo"
    assert lookup("Soledar", BAKHMUT).population > 5000


def test_country_filter():
    hit = lookup("Paris", (33.66, -95.55), country="FR")  # near Paris, Texas, but asked for France
    assert hit.country == "FR"
    assert lookup("Paris", (33.66, -95.55)).country == "US"


def test_not_found_is_a_clear_error():
    with pytest.raises(PlaceNotFound) as exc:
        lookup("Nowhereville Xyzzy", BAKHMUT)
    assert str(exc.value) == (
        'no place named "Nowhereville Xyzzy" in the offline gazetteer (GeoNames); give lat and lon for it'
    )
    assert isinstance(exc.value, LookupError)


def test_normalise_name():
    assert normalise_name("Donets'k") == normalise_name("Donetsk") == "donetsk"
    assert normalise_name("Ny-Ålesund") == "ny alesund"
    assert normalise_name("Łódź") == "lodz"
    assert normalise_name("Donetsk Oblast", strip_types=True) == "donetsk"
    assert normalise_name("Oblast", strip_types=True) == "oblast"
