#!/usr/bin/env bash
# System packages for report runs (Debian/Ubuntu): a CJK font for Chinese labels in plots
# (fonts-wqy-microhei, 1.5 MB) and chromium for the HTML report checks in the tests.
# Prints one line per stage (what, and how long it usually takes) on stderr; apt's own output
# goes to a temporary log, shown only when the install fails. A no-op when both are present.
# Never fails the build: without root or apt it prints what to install and continues (the
# plots then warn about missing glyphs, and the chromium test is skipped with a reason).
set -u

say() { echo "segkit system packages: $*" >&2; }
started=$(date +%s)

need=()
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    need+=(fonts-wqy-microhei)
fi
if ! command -v chromium >/dev/null 2>&1; then
    need+=(chromium)
fi
if [ ${#need[@]} -eq 0 ]; then
    say "a CJK font and chromium are present"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    say "please install ${need[*]} (a CJK font and chromium) with your package manager"
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    say "not root, so not installing ${need[*]}; run: sudo apt-get install -y ${need[*]}"
    exit 0
fi
# apt's own output goes to a log, one line per stage here; the log is shown when a stage fails
log=$(mktemp "${TMPDIR:-/tmp}/segkit-apt.XXXXXX")
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y --no-install-recommends "${need[@]}" >>"$log" 2>&1; }
say "installing ${need[*]} with apt-get (about 20 s)"
if ! install; then
    say "refreshing the package lists with apt-get update (about 10 s)"
    apt-get update >>"$log" 2>&1 || true
    say "installing ${need[*]} with apt-get, second try (about 20 s)"
    if ! install; then
        say "could not install ${need[*]}; install them by hand (apt's output follows)"
        tail -n 20 "$log" >&2
    fi
fi
# a new font: matplotlib's cache is rebuilt lazily; fontconfig's now
if command -v fc-cache >/dev/null 2>&1; then
    say "refreshing the font cache (about 2 s)"
    fc-cache -f >/dev/null 2>&1 || true
fi
rm -f "$log"
say "done in $(( $(date +%s) - started )) s"
exit 0
