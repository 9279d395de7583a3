"""The locator map: an overview of the country and a detail of the location, places and overlays.

Where to look:

- ``projection.py``: the azimuthal equidistant projection centred on the location, view rectangles,
  geodesic distance and bearing;
- ``layers.py``: vendored geometry (``briefing/geodata.py``) selected, clipped and projected for a view;
- ``labels.py``: greedy, deterministic label placement that keeps labels off markers and each other;
- ``overlays.py``: the facts file's areas and lines (spec 2), styled by kind from ``style.py``;
- ``drawing.py``: the two panels, water, orientation towns, furniture (scale bar, north arrow) and
  ``render_locator_map``, a pure function of its frozen inputs.
"""

from .drawing import LocatorMap, render_locator_map
from .overlays import Overlay
from .projection import MapPoint, PlaceDistance, distance_and_bearing

__all__ = ["LocatorMap", "MapPoint", "Overlay", "PlaceDistance", "distance_and_bearing", "render_locator_map"]
