"""The locator map: an overview of the country and a detail of the location, places and overlays.

Where to look:

- ``projection.py``: the azimuthal equidistant projection centred on the location, view rectangles,
  geodesic distance and bearing;
- ``layers.py``: vendored geometry (``briefing/geodata.py``) selected, clipped and projected for a view;
- ``labels.py``: greedy, deterministic label placement that keeps labels off markers and each other;
- ``drawing.py``: the two panels, their furniture (scale bar, north arrow) and ``render_locator_map``.
"""

from .drawing import LocatorMap, render_locator_map
from .projection import MapPoint, PlaceDistance, distance_and_bearing

__all__ = ["LocatorMap", "MapPoint", "PlaceDistance", "distance_and_bearing", "render_locator_map"]
