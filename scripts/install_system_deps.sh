#!/usr/bin/env bash
# Install the Debian packages pisentinel needs beyond Python wheels.
#
#   bash scripts/install_system_deps.sh
#
# Reports (pisentinel.leads.reports):
#   fonts-noto-cjk      a CJK font for WeasyPrint PDFs and matplotlib charts (no tofu; fonts are
#                       embedded from the system, never fetched)
#   libpango-1.0-0, libpangoft2-1.0-0, libharfbuzz0b, libharfbuzz-subset0, libfontconfig1
#                       the text stack WeasyPrint loads through cffi
#   poppler-utils       pdftotext / pdftoppm, used by the tests to read and rasterise PDFs
#   fontconfig          fc-list / fc-cache, so new fonts are found at once
# Web console tests:
#   chromium            the browser Playwright drives (executable_path=/usr/bin/chromium; Playwright's
#                       own browser download is never used)
# parking_app model (tests and synthetic apps build real APKs):
#   aapt                compiles AndroidManifest.xml into the binary form inside an APK
#   libsmali-java       smali assembler, for tests that assemble dex files the Android way
# Spark engine:
#   default-jre-headless  only when no `java` is on the PATH already
#
# Idempotent: packages already installed are skipped; apt-get update runs only when something is
# missing. Runs as root, or through sudo when there is one.
set -euo pipefail

log() { echo "install_system_deps: $*" >&2; }

PACKAGES=(
    fonts-noto-cjk
    fontconfig
    libfontconfig1
    libpango-1.0-0
    libpangoft2-1.0-0
    libharfbuzz0b
    libharfbuzz-subset0
    poppler-utils
    chromium
    aapt
    libsmali-java
)
if ! command -v java >/dev/null 2>&1; then
    PACKAGES+=(default-jre-headless)
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        log "not root and no sudo: install these by hand: ${PACKAGES[*]}"
        exit 1
    fi
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    log "all present"
    exit 0
fi

log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
if command -v fc-cache >/dev/null 2>&1; then
    $SUDO fc-cache -f >/dev/null 2>&1 || true
fi
log "done"
