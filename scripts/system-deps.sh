#!/usr/bin/env bash
# System packages for report runs (Debian/Ubuntu): a CJK font for Chinese labels in plots
# (fonts-wqy-microhei, 1.5 MB) and chromium for the HTML report checks in the tests.
# A no-op when both are present. Never fails the build: without root or apt it prints what
# to install and continues (the plots then warn about missing glyphs, and the chromium test
# is skipped with a reason).
set -u

need=()
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    need+=(fonts-wqy-microhei)
fi
if ! command -v chromium >/dev/null 2>&1; then
    need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "segkit: please install ${need[*]} (a CJK font and chromium) with your package manager" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "segkit: not root, so not installing ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
    exit 0
fi
echo "segkit: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
    apt-get update >/dev/null 2>&1 || true
    apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
        || echo "segkit: could not install ${need[*]}; install them by hand" >&2
fi
# a new font: matplotlib's cache is rebuilt lazily; fontconfig's now
command -v fc-cache >/dev/null 2>&1 && fc-cache -f >/dev/null 2>&1
exit 0
