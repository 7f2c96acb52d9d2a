"""Everything a request handler needs, built once per app from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from pisentinel.detect.rules import DetectionRules, load_rules
from pisentinel.leads import LeadStore
from pisentinel.web.accounts import Accounts
from pisentinel.web.jobs import JobRunner
from pisentinel.web.reveal import RevealStore
from pisentinel.web.settings import Settings
from pisentinel.web.sources import SourceRegistry

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    store: LeadStore
    accounts: Accounts
    sources: SourceRegistry
    reveals: RevealStore
    jobs: JobRunner
    rules: DetectionRules | None = None

    @classmethod
    def build(cls, settings: Settings) -> Services:
        from pisentinel.protect import load_project_key

        # First: a bad rules file must stop the start before anything is created.
        rules = load_rules(settings.detection_rules) if settings.detection_rules else None
        settings.workspace.mkdir(parents=True, exist_ok=True)
        settings.upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        store = LeadStore(settings.resolved_store_url())
        accounts = Accounts(store, session_hours=settings.session_hours,
                            max_failed_logins=settings.max_failed_logins,
                            lockout_minutes=settings.lockout_minutes)
        sources = SourceRegistry(store, settings.upload_dir, settings.readable_roots(),
                                 settings.max_upload_bytes)
        reveals = RevealStore(store, load_project_key(settings.workspace))
        jobs = JobRunner(store, sources, reveals, settings.workspace,
                         workers=settings.run_workers,
                         max_index_cells=settings.reveal_index_max_cells,
                         served_rules=settings.detection_rules,
                         served_digest=rules.digest if rules else "")
        return cls(settings, store, accounts, sources, reveals, jobs, rules)

    def close(self) -> None:
        self.jobs.close()
        self.store.close()
