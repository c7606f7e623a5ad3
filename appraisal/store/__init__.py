"""The data store: the logical data model, column types and database engines."""

from __future__ import annotations
