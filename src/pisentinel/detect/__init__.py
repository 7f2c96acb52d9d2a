"""Detection: find PI in Chinese text and tables."""

from pisentinel.detect.finding import Explanation, Finding
from pisentinel.detect.rules import DetectionRules, RulesError, load_rules
from pisentinel.detect.scanner import (
           FINDINGS_SCHEMA,
           Scanner,
           default_scanner,
           scan_batch,
           scan_text,
           scan_texts,
)

__all__ = ["FINDINGS_SCHEMA", "DetectionRules", "Explanation", "Finding", "RulesError", "Scanner",
           "default_scanner", "load_rules", "scan_batch", "scan_text", "scan_texts"]
