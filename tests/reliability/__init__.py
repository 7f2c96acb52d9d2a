"""Reliability and security tests (issue 7): bad inputs, fuzzing, crash safety, PI at rest,
attacks on the web console, soak. Every fixture is synthetic and generated at test time."""
