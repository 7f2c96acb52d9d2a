"""Web console and REST API (FastAPI): analysts sign in, upload data, run screening models,
triage leads and export reports; reviewers reveal raw values with a stated reason.

``create_app(Settings(workspace=Path(".pisentinel")))`` builds the app; ``pisentinel serve``
runs it with uvicorn. Layout: :mod:`.api` (``/api/v1``), :mod:`.console` (server-rendered
pages, Jinja2 + htmx), :mod:`.accounts` (users, sessions, tokens), :mod:`.security` (role and
CSRF checks), :mod:`.sources`, :mod:`.jobs` (background runs), :mod:`.reveal` (the encrypted
reveal store), :mod:`.queries` (lead list, dashboard, graph), :mod:`.i18n` (zh/en strings)."""

from pisentinel.web.app import create_app
from pisentinel.web.roles import Role
from pisentinel.web.settings import Settings

__all__ = ["Role", "Settings", "create_app"]
