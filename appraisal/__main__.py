"""`python -m appraisal` runs the command-line interface."""

from __future__ import annotations

from appraisal.cli import main

main()
