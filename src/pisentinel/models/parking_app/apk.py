"""Reading an APK without unpacking it: the manifest (package, label, permissions) and the names of
the classes its dex files *define*, streamed entry by entry from the zip.

A real app can be 100+ MB; only AndroidManifest.xml, the classes*.dex
entries and the entry names are read, each with a size cap and a compression-ratio guard (a zip
bomb stops here, not in memory). Entry names are never used as paths, and names that would
escape a folder (``../``, absolute) are reported as anomalies. The manifest's binary XML is
parsed by androguard; dex class names come from the dex header's class_defs table, which lists
defined classes only (a class merely referenced does not make an SDK present)."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["ApkError", "ApkFacts", "dex_class_names", "read_apk"]

MAX_MANIFEST_BYTES = 8 << 20
MAX_DEX_BYTES = 256 << 20
MAX_RATIO = 200  # uncompressed / compressed beyond this is a zip bomb, not a dex
_DEX_NAME = re.compile(r"^classes\d*\.dex$")
_ANDROID_NS = "{http://schemas.android.com/apk/res/android}"


class ApkError(ValueError):
    """An APK that cannot be read (not a zip, no manifest, a bomb). The message names the file
    and the reason in Chinese and English, never its content."""


@dataclass
class ApkFacts:
    path: str
    package: str
    label: str
    version_name: str
    permissions: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # dotted names, defined classes only
    native_libs: list[str] = field(default_factory=list)
    dex_files: int = 0
    anomalies: list[str] = field(default_factory=list)


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, cap: int, path: Path) -> bytes:
    if info.file_size > cap:
        raise ApkError(f"{path.name}: 条目 {info.filename} 过大（{info.file_size} 字节）/ entry "
                       f"{info.filename} too large ({info.file_size} bytes)")
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO \
            and info.file_size > 1 << 20:
        raise ApkError(f"{path.name}: 条目 {info.filename} 压缩比异常，疑似压缩炸弹 / entry "
                       f"{info.filename} has a zip-bomb compression ratio")
    with zf.open(info) as f:
        data = f.read(cap + 1)  # the header's size may lie: never read past the cap
    if len(data) > cap:
        raise ApkError(f"{path.name}: 条目 {info.filename} 解压后超过上限 / entry "
                       f"{info.filename} exceeds the size cap when inflated")
    return data


def _uleb128(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def dex_class_names(dex: bytes) -> Iterator[str]:
    """Dotted names of the classes a dex file defines (class_defs → type_ids → string_ids)."""
    if len(dex) < 0x70 or not dex.startswith(b"dex\n"):
        raise ValueError("not a dex file")
    string_ids_size, string_ids_off, type_ids_size, type_ids_off = \
        struct.unpack_from("<IIII", dex, 0x38)
    class_defs_size, class_defs_off = struct.unpack_from("<II", dex, 0x60)
    for i in range(class_defs_size):
        (class_idx,) = struct.unpack_from("<I", dex, class_defs_off + 32 * i)
        if class_idx >= type_ids_size:
            continue
        (string_idx,) = struct.unpack_from("<I", dex, type_ids_off + 4 * class_idx)
        if string_idx >= string_ids_size:
            continue
        (data_off,) = struct.unpack_from("<I", dex, string_ids_off + 4 * string_idx)
        _n, pos = _uleb128(dex, data_off)
        end = dex.index(b"\x00", pos)
        descriptor = dex[pos:end].decode("utf-8", "replace")  # MUTF-8: ASCII for real names
        if descriptor.startswith("L") and descriptor.endswith(";"):
            yield descriptor[1:-1].replace("/", ".")


def _unsafe_name(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", name) is not None


def _manifest(data: bytes, path: Path) -> tuple[str, str, str, list[str]]:
    from loguru import logger

    logger.disable("androguard")
    from androguard.core.axml import AXMLPrinter

    try:
        root = AXMLPrinter(data).get_xml_obj()
    except Exception as exc:  # androguard raises many kinds on broken binary XML
        raise ApkError(f"{path.name}: 无法解析 AndroidManifest.xml / cannot parse the manifest "
                       f"({type(exc).__name__})") from None
    if root is None:
        raise ApkError(f"{path.name}: 无法解析 AndroidManifest.xml / cannot parse the manifest")
    package = root.get("package") or ""
    version = root.get(f"{_ANDROID_NS}versionName") or ""
    label = ""
    app = root.find("application")
    if app is not None:
        raw_label = app.get(f"{_ANDROID_NS}label") or ""
        label = "" if raw_label.startswith("@") else raw_label
    perms = []
    for tag in ("uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m"):
        for el in root.iter(tag):
            name = el.get(f"{_ANDROID_NS}name")
            if name:
                perms.append(name)
    return package, label, version, sorted(set(perms))


def read_apk(path: Path) -> ApkFacts:
    """The facts the screening needs from one APK, reading only the entries it needs."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ApkError(f"{path.name}: 不是有效的 APK（zip）文件 / not a valid APK (zip) file") \
            from None
    with zf:
        infos = zf.infolist()
        by_name = {i.filename: i for i in infos}
        anomalies = sorted({f"不安全的条目名 / unsafe entry name: {i.filename!r}"
                            for i in infos if _unsafe_name(i.filename)})
        if "AndroidManifest.xml" not in by_name:
            raise ApkError(f"{path.name}: 缺少 AndroidManifest.xml / no AndroidManifest.xml")
        package, label, version, perms = _manifest(
            _read_capped(zf, by_name["AndroidManifest.xml"], MAX_MANIFEST_BYTES, path), path)
        classes: set[str] = set()
        dex_files = 0
        for info in infos:
            if not _DEX_NAME.match(info.filename):
                continue
            dex_files += 1
            data = _read_capped(zf, info, MAX_DEX_BYTES, path)
            try:
                classes.update(dex_class_names(data))
            except (ValueError, struct.error, IndexError):
                anomalies.append(f"无法解析的 dex / unreadable dex: {info.filename}")
            del data
        libs = sorted({PurePosixPath(i.filename).name for i in infos
                       if i.filename.startswith("lib/") and i.filename.endswith(".so")})
    return ApkFacts(str(path), package, label, version, perms, sorted(classes), libs,
                    dex_files, anomalies)
