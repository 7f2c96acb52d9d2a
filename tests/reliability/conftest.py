"""Hypothesis profiles for the reliability fuzzers.

The CI run uses at least 200 examples per property. For a long run, load the `long` profile:
``pytest tests/reliability --hypothesis-profile long`` (this conftest must be an initial conftest,
so name the folder on the command line)."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "long", max_examples=5000, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
