"""parking_app measurements behind benchmarks/results/model_parking_app.md.

    .venv/bin/python benchmarks/bench_parking_app.py big-apk --mb 120 --classes 60000
    .venv/bin/python benchmarks/bench_parking_app.py screen --apps 300 --seed 9001 --mix hard

`big-apk` builds a real APK (aapt manifest) padded with incompressible assets and a large
multidex payload, then times `read_apk` and records the process's peak RSS: the APK is read
entry by entry, never whole. `screen` generates apps on an unseen seed, runs the model on DuckDB
and prints app-level precision / recall, wall time and peak RSS."""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_apk(mb: int, classes: int) -> None:
    from pisentinel.models.parking_app.apkbuild import build_apk, dex_bytes

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.apk"
        names = [f"com.example.big.p{i % 500}.C{i}" for i in range(classes)]
        names += ["com.amap.api.location.AMapLocationClient", "cn.jpush.android.api.JPushInterface"]
        half = len(names) // 2
        build_apk(path, "com.example.big", "大停车", ["android.permission.ACCESS_FINE_LOCATION"],
                  names[:half], cache=Path(tmp))
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("classes2.dex", dex_bytes(names[half:]), zipfile.ZIP_DEFLATED)
            chunk = 8 << 20
            for i in range(max(1, mb * (1 << 20) // chunk)):
                zf.writestr(f"assets/blob{i}.bin", os.urandom(chunk), zipfile.ZIP_STORED)
        size = path.stat().st_size
        # read in a fresh process, so its peak RSS is the reader's own
        code = ("import sys, time, resource; t0 = time.perf_counter(); "
                "from pisentinel.models.parking_app.apk import read_apk; "
                "from pisentinel.models.parking_app.steps import find_sdks; "
                "t1 = time.perf_counter(); f = read_apk(sys.argv[1]); "
                "s = find_sdks(f.classes, f.native_libs); t2 = time.perf_counter(); "
                "print(f.dex_files, len(f.classes), ','.join(h['sdk'].id for h in s), "
                "round(t2 - t1, 2), round(t1 - t0, 2), "
                "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)")
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, check=True).stdout.split()
        dex, n, found, wall, imports, rss = out
        print(f"apk {size / 2**20:.0f} MiB, {dex} dex, {int(n):,} classes, sdks {found}: "
              f"read in {wall} s (imports {imports} s); reader process peak RSS {rss} MiB")


def screen(apps: int, seed: int, mix: str) -> None:
    from pisentinel.models import get_model
    from pisentinel.models.parking_app.synth import evaluate
    from pisentinel.models.runner import run_model
    from pisentinel.protect import pseudonym_token

    key = b"bench-parking-app-key-0123456789"
    model = get_model("parking_app")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t0 = time.perf_counter()
        truth = model.generate(apps, seed, data, mix=mix)
        gen = time.perf_counter() - t0
        inputs = {n: [data / p for p in ps] for n, ps in truth["inputs"].items() if ps}
        t0 = time.perf_counter()
        result = run_model(model, inputs, workspace=Path(tmp) / "ws", token_key=key)
        wall = time.perf_counter() - t0
        scores = evaluate(truth, result.leads, lambda t, v: pseudonym_token(t, v, key))
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
        print(f"{apps} apps seed {seed} {mix}: P {scores['precision']:.3f} R "
              f"{scores['recall']:.3f} finding recall {scores['finding_recall']:.3f} "
              f"({int(scores['truth'])} planted, {len(truth['decoys'])} decoys, "
              f"{int(scores['leads'])} leads); generate {gen:.1f} s, run {wall:.1f} s ({steps}); "
              f"peak RSS {_peak_mib():.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("big-apk")
    b.add_argument("--mb", type=int, default=120)
    b.add_argument("--classes", type=int, default=60000)
    s = sub.add_parser("screen")
    s.add_argument("--apps", type=int, default=300)
    s.add_argument("--seed", type=int, default=9001)
    s.add_argument("--mix", default="default")
    args = ap.parse_args()
    if args.cmd == "big-apk":
        big_apk(args.mb, args.classes)
    else:
        screen(args.apps, args.seed, args.mix)


if __name__ == "__main__":
    main()
