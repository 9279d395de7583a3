"""Dependency lower bounds never admit a release with a published security advisory (issue 9)."""

from __future__ import annotations

import re
import tomllib

from conftest import ROOT

#: Package -> the first release past every advisory we know of, and the advisories.
PAST_ADVISORIES = {
    "jinja2": ("3.1.6", "CVE-2024-22195, CVE-2024-34064, CVE-2024-56201, CVE-2024-56326, CVE-2025-27516"),
    "filelock": ("3.20.3", "CVE-2025-68146, CVE-2026-22701"),
    "aiosmtpd": ("1.4.6", "CVE-2024-27305, CVE-2024-34083"),
    "setuptools": ("78.1.1", "CVE-2024-6345, CVE-2025-47273"),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_lower_bounds_are_past_the_published_advisories() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requirements = project["build-system"]["requires"] + project["project"]["dependencies"]
    requirements += [r for extra in project["project"]["optional-dependencies"].values() for r in extra]
    bounds = {m[1].lower(): m[2] for r in requirements if (m := re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", r))}
    for package, (first_safe, advisories) in PAST_ADVISORIES.items():
        assert _version(bounds[package]) >= _version(first_safe), f"{package}>={bounds[package]} admits {advisories}"
