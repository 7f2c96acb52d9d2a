"""Recognizer families, one module each; `default_recognizers()` is the scanner's registry."""

from __future__ import annotations

from pisentinel.detect.recognizers.base import Candidate, Recognizer, ScanContext

__all__ = ["Candidate", "Recognizer", "ScanContext", "default_recognizers"]


def default_recognizers() -> list[Recognizer]:
    """Every rule family (the trained name/address model runs batched in the scanner)."""
    from pisentinel.detect.recognizers import (
        contact,
        device,
        financial,
        geo,
        identity,
        lexical,
        network,
        organisation,
        person,
        place,
        vehicle,
    )

    modules = (identity, contact, financial, network, device, vehicle, organisation, geo,
               lexical, person, place)
    return [cls() for m in modules for cls in m.RECOGNIZERS]
