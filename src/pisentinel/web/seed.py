"""A console with something in it: one user per role and leads from a model's synthetic data.

Used by the web tests, the browser tests and ``benchmarks/bench_web_load.py``, and handy for a
demonstration (``python -m pisentinel.web.seed WORKSPACE``). Everything is synthetic
(``models.<name>.synth``); nothing here reads real data."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from pisentinel.models import get_model
from pisentinel.web.roles import Role
from pisentinel.web.services import Services

__all__ = ["DEMO_PASSWORD", "seed_leads", "seed_users"]

DEMO_PASSWORD = "correct-horse-battery"


def seed_users(svc: Services, password: str = DEMO_PASSWORD) -> dict[Role, str]:
    """``viewer``, ``analyst``, ``reviewer``, ``admin`` (user name = role), if absent."""
    names = {"viewer": "查看员小王", "analyst": "分析员小李", "reviewer": "审核员老张",
             "admin": "管理员"}
    out = {}
    for role in Role:
        if svc.accounts.find_user(role.value) is None:
            svc.accounts.add_user(role.value, password, role, names[role.value], by="seed")
        out[role] = role.value
    return out


def seed_leads(svc: Services, model_name: str = "face_recognition", rows: int = 160,
               seed: int = 7, *, by: str = "seed") -> str:
    """Generate synthetic inputs, register them as sources and run the model through the job
    runner (synchronously); returns the run id."""
    model = get_model(model_name)
    data = svc.settings.workspace / "synthetic" / f"{model_name}-{rows}-{seed}"
    truth = model.generate(rows, seed, data)
    from pisentinel.engine.sources import SUPPORTED_SUFFIXES
    from pisentinel.web.sources import safe_filename

    inputs: dict[str, list[int]] = {}
    for name, given in truth["inputs"].items():
        files: list[Path] = []
        for rel in [given] if isinstance(given, str) else given:
            if "://" in rel:  # database inputs are not uploads
                continue
            root = data / rel
            files += sorted(p for p in root.rglob("*")
                            if p.name.lower().endswith(SUPPORTED_SUFFIXES)) \
                if root.is_dir() else [root]
        for path in files:
            with path.open("rb") as fh:
                src = svc.sources.upload(safe_filename(path.name), fh, by=by)
            inputs.setdefault(name, []).append(src.id)
    job = svc.jobs.submit(model_name, inputs, {}, by=by)
    while (done := svc.jobs.get(job.id)).status in ("queued", "running"):
        time.sleep(0.05)
    if done.status != "succeeded" or done.run_id is None:
        raise RuntimeError(f"seed run failed: {done.error_en}")
    return done.run_id


def main(argv: list[str]) -> None:
    from pisentinel.web.settings import Settings

    workspace = Path(argv[0] if argv else "pisentinel-workspace")
    svc = Services.build(Settings(workspace=workspace))
    try:
        seed_users(svc)
        for name in ("face_recognition", "pi_inventory"):
            print(name, seed_leads(svc, name))
    finally:
        svc.close()


if __name__ == "__main__":
    main(sys.argv[1:])
