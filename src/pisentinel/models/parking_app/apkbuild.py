"""Building real APKs for synthetic data and tests: AndroidManifest.xml compiled to binary XML by
Debian's `aapt`, a classes.dex whose classes live in the given packages (written here in the dex
format, or assembled from .smali files by `smali` when asked), and native libraries by name.

aapt needs the framework's attribute ids; Debian's apktool ships no framework, so a minimal
"android" resource package declaring the manifest attributes with their real public ids
(android:name = 0x01010003 …) is compiled once and passed with -I."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

__all__ = ["AaptMissing", "build_apk", "dex_bytes", "have_aapt"]

_ATTRS = {"label": "0x01010001", "name": "0x01010003", "versionCode": "0x0101021b",
          "versionName": "0x0101021c", "minSdkVersion": "0x0101020c",
          "targetSdkVersion": "0x01010270"}
_FORMATS = {"label": "string|reference", "name": "string", "versionCode": "integer",
            "versionName": "string", "minSdkVersion": "integer|string",
            "targetSdkVersion": "integer|string"}
_NS = 'xmlns:android="http://schemas.android.com/apk/res/android"'


class AaptMissing(RuntimeError):
    """Debian's aapt is not installed (apt-get install aapt)."""


def have_aapt() -> bool:
    return shutil.which("aapt") is not None


def _run(args: Sequence[str]) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {done.stderr.strip()[:500]}")


def framework(cache: Path) -> Path:
    """The minimal android framework package for aapt -I (built once per cache folder)."""
    out = cache / "android-min-framework.apk"
    if out.exists():
        return out
    if not have_aapt():
        raise AaptMissing("aapt not found: apt-get install aapt")
    work = Path(tempfile.mkdtemp(dir=cache))
    (work / "res" / "values").mkdir(parents=True)
    (work / "AndroidManifest.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<manifest {_NS} package="android"/>\n', "utf-8")
    decl = "".join(f'  <attr name="{n}" format="{_FORMATS[n]}"/>\n' for n in _ATTRS)
    pub = "".join(f'  <public type="attr" name="{n}" id="{i}"/>\n' for n, i in _ATTRS.items())
    (work / "res" / "values" / "public.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?>\n<resources>\n{decl}{pub}</resources>\n',
        "utf-8")
    tmp = work / "fw.apk"
    _run(["aapt", "package", "-f", "-x", "-M", str(work / "AndroidManifest.xml"), "-S",
          str(work / "res"), "-F", str(tmp)])
    tmp.replace(out)
    shutil.rmtree(work, ignore_errors=True)
    return out


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def dex_bytes(class_names: Sequence[str]) -> bytes:
    """A valid dex file (version 035) defining empty public classes with the given dotted names,
    each extending java.lang.Object: enough for a reader of class_defs, androguard or baksmali."""
    descriptors = sorted({"L" + c.replace(".", "/") + ";" for c in class_names}
                         | {"Ljava/lang/Object;"})
    strings = sorted(descriptors, key=lambda s: s.encode("utf-8"))
    classes = sorted("L" + c.replace(".", "/") + ";" for c in set(class_names))
    n_str = len(strings)
    header = 0x70
    string_ids_off = header
    type_ids_off = string_ids_off + 4 * n_str
    class_defs_off = type_ids_off + 4 * n_str
    data_off = class_defs_off + 32 * len(classes)
    string_data = bytearray()
    string_offsets = []
    for s in strings:
        string_offsets.append(data_off + len(string_data))
        raw = s.encode("utf-8")
        string_data += _uleb(len(s)) + raw + b"\x00"
    map_off = data_off + len(string_data)
    map_off += (-map_off) % 4
    pad = map_off - data_off - len(string_data)
    items = [(0x0000, 1, 0), (0x0001, n_str, string_ids_off), (0x0002, n_str, type_ids_off),
             (0x0006, len(classes), class_defs_off), (0x2002, n_str, data_off),
             (0x1000, 1, map_off)]
    map_list = struct.pack("<I", len(items)) + b"".join(
        struct.pack("<HHII", t, 0, size, off) for t, size, off in items)
    file_size = map_off + len(map_list)
    type_index = {s: i for i, s in enumerate(strings)}  # type_ids mirror the sorted strings
    body = bytearray()
    body += b"".join(struct.pack("<I", off) for off in string_offsets)
    body += b"".join(struct.pack("<I", i) for i in range(n_str))
    no_index = 0xFFFFFFFF
    for c in classes:
        body += struct.pack("<8I", type_index[c], 0x1, type_index["Ljava/lang/Object;"], 0,
                            no_index, 0, 0, 0)
    body += string_data + b"\x00" * pad + map_list
    head = bytearray(b"dex\n035\x00" + b"\x00" * (header - 8))
    struct.pack_into("<II", head, 32, file_size, header)
    struct.pack_into("<I", head, 40, 0x12345678)
    struct.pack_into("<IIII", head, 0x34, map_off, n_str, string_ids_off, n_str)
    struct.pack_into("<I", head, 0x44, type_ids_off)
    struct.pack_into("<II", head, 0x58, 0, 0)  # method ids
    struct.pack_into("<IIII", head, 0x60, len(classes), class_defs_off,
                     file_size - data_off, data_off)
    dex = head + body
    dex[12:32] = hashlib.sha1(bytes(dex[32:])).digest()
    struct.pack_into("<I", dex, 8, zlib.adler32(bytes(dex[12:])))
    return bytes(dex)


def smali_dex(class_names: Sequence[str], work: Path) -> bytes:
    """classes.dex assembled by Debian's smali from one tiny .smali file per class."""
    src = work / "smali"
    for c in class_names:
        f = src / (c.replace(".", "/") + ".smali")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f".class public L{c.replace('.', '/')};\n.super Ljava/lang/Object;\n",
                     "utf-8")
    out = work / "classes.dex"
    _run(["smali", "assemble", "-o", str(out), str(src)])
    return out.read_bytes()


def build_apk(out: Path, package: str, label: str, permissions: Sequence[str],
              classes: Sequence[str], *, version: str = "1.0", native_libs: Sequence[str] = (),
              cache: Path | None = None, dex: str = "python",
              extra_entries: Sequence[tuple[str, bytes]] = ()) -> Path:
    """An installable-shaped APK (unsigned): binary manifest by aapt, classes.dex, lib/*.so."""
    if not have_aapt():
        raise AaptMissing("aapt not found: apt-get install aapt")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cache = Path(cache or out.parent)
    cache.mkdir(parents=True, exist_ok=True)
    fw = framework(cache)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        work = Path(tmp)
        perms = "".join(f'  <uses-permission android:name="{p}"/>\n' for p in permissions)
        (work / "AndroidManifest.xml").write_text(
            f'<?xml version="1.0" encoding="utf-8"?>\n<manifest {_NS} package="{package}" '
            f'android:versionCode="1" android:versionName="{version}">\n'
            '  <uses-sdk android:minSdkVersion="21" android:targetSdkVersion="30"/>\n'
            f'{perms}  <application android:label={quoteattr(label)}/>\n</manifest>\n', "utf-8")
        apk = work / "app.apk"
        _run(["aapt", "package", "-f", "-M", str(work / "AndroidManifest.xml"), "-I", str(fw),
              "-F", str(apk)])
        payload = smali_dex(classes, work) if dex == "smali" else dex_bytes(classes)
        with zipfile.ZipFile(apk, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("classes.dex", payload)
            for lib in native_libs:
                zf.writestr(f"lib/arm64-v8a/{lib}", b"\x7fELF" + b"\x00" * 60)
            for name, data in extra_entries:
                zf.writestr(name, data)
        shutil.move(str(apk), out)
    return out
