#!/usr/bin/env python3
"""Entry point: ``python make_report.py [FACTS.yaml ...] [--out DIR]`` (see ``--help``)."""

from briefing.cli import run

if __name__ == "__main__":
    run()
