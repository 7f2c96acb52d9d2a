"""pisentinel: Chinese-first PI detection, de-identification and PIPL case-lead screening.

The public Python API is what this module exports; everything else may move."""

from pisentinel.detect import Finding, Scanner, scan_batch, scan_text, scan_texts

__version__ = "0.1.0"
__all__ = ["Finding", "Scanner", "__version__", "scan_batch", "scan_text", "scan_texts"]
