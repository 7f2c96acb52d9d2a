"""Engine layer: read sources into Arrow batches and write result tables safely."""

from pisentinel.engine.factory import open_engine
from pisentinel.engine.mapping import MappingError, resolve_mapping
from pisentinel.engine.sinks import (
    EXIT_OUTPUT,
    SinkError,
    TableSink,
    atomic_write_bytes,
    atomic_write_text,
)
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
    "EXIT_OUTPUT",
    "EXIT_UNREADABLE",
    "EXIT_USAGE",
    "MappingError",
    "SinkError",
    "SourceError",
    "TableSink",
    "TextBatch",
    "atomic_write_bytes",
    "atomic_write_text",
    "detect_encoding",
    "discover_sources",
    "open_engine",
    "read_batches",
    "read_sample",
    "resolve_mapping",
]
