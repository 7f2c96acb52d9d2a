"""Synthetic data with known truth: Chinese texts and tables with planted PI and hard negatives,
for evaluating the detector, demos, and training later models."""

from pisentinel.synth.pi_text import (
    DEFAULT_MIX,
    HARDER_MIX,
    HOLDOUT_MIX,
    MIXES,
    TABLE_COLUMNS,
    Mix,
    Sample,
    TableSpan,
    generate_corpus,
    generate_table,
    generate_texts,
)

__all__ = ["DEFAULT_MIX", "HARDER_MIX", "HOLDOUT_MIX", "MIXES", "TABLE_COLUMNS", "Mix", "Sample", "TableSpan",
           "generate_corpus", "generate_table", "generate_texts"]
