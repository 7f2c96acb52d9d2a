"""Engine layer: read sources into Arrow batches and write result tables safely."""

from pisentinel.engine.sources import (
    EXIT_EMPTY,
    EXIT_MISSING_COLUMN,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    SourceError,
    TextBatch,
    detect_encoding,
    discover_sources,
    read_batches,
    read_sample,
)

__all__ = [
    "EXIT_EMPTY",
    "EXIT_MISSING_COLUMN",
    "EXIT_UNREADABLE",
    "EXIT_USAGE",
    "SourceError",
    "TextBatch",
    "detect_encoding",
    "discover_sources",
    "read_batches",
    "read_sample",
]
