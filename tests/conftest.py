"""Test-wide settings. Hypothesis runs without per-example deadlines: the suite runs on shared
2-core machines where a slow neighbour, not the code, decides whether one example takes 200 ms.
A `--hypothesis-profile` given on the command line still wins."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "pisentinel", deadline=None, suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("pisentinel")
