"""Detection: find PI in Chinese text and tables."""

from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.scanner import (
           FINDINGS_SCHEMA,
           Scanner,
           default_scanner,
           scan_batch,
           scan_text,
           scan_texts,
)

__all__ = ["FINDINGS_SCHEMA", "Explanation", "Finding", "Scanner", "default_scanner", "scan_batch",
           "scan_text", "scan_texts"]
