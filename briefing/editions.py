"""Stage 6: publishing editions of a brief into an output folder.

``publish`` builds a facts file into ``OUT/<id>.pdf``. (Scheduled regeneration, fingerprints,
archived editions and the changes section build on this; see issue 5.)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_atomic
from .build import BuildOptions, build_brief
from .facts import Facts, load_facts

log = logging.getLogger("briefing")


@dataclass(frozen=True)
class Edition:
    """One published edition: what was built from which facts, and where the PDF is."""

    facts: Facts
    facts_path: Path
    pdf_path: Path
    name: str
    built: bool


def publish(facts_path: str | Path, out_dir: str | Path = "output", options: BuildOptions = BuildOptions()) -> Edition:
    """Build the brief in ``facts_path`` into ``out_dir/<id>.pdf`` (written atomically)."""
    started = time.perf_counter()
    facts_path = Path(facts_path)
    facts = load_facts(facts_path)
    pdf = build_brief(facts, options)
    target = write_atomic(Path(out_dir) / f"{facts.id}.pdf", pdf)
    log.info("%s: built %s (%d KB) in %.2f s", facts.id, target, len(pdf) // 1024, time.perf_counter() - started)
    return Edition(facts=facts, facts_path=facts_path, pdf_path=target, name=facts.as_of.strftime("%Y%m%dT%H%MZ"), built=True)
