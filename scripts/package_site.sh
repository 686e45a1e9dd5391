#!/usr/bin/env bash
# Builds the static site (scripts/build_web.sh) and packs it as dist/site.zip: unzip it on any
# static host (GitHub Pages, a Hugging Face static Space, any web server) and it runs, and
# installs for offline use. The zip's README.md is a Hugging Face Space's metadata
# (web/space/README.md), which also sets the cross-origin isolation headers there; elsewhere
# the service worker adds them. SKIP_BUILD=1 packs build-web/site as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ "${SKIP_BUILD:-0}" == 1 ]] || bash scripts/build_web.sh >/dev/null
site=build-web/site
[[ -f "$site/index.html" && -f "$site/engine_mt.wasm" ]] || { echo "package_site: no built site in $site" >&2; exit 1; }
mkdir -p dist
/usr/bin/python3 - "$site" web/space/README.md dist/site.zip.tmp <<'PY'
import os, sys, zipfile
site, space_readme, out = sys.argv[1:4]
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.write(space_readme, 'README.md')
    for root, dirs, files in os.walk(site):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, site))
PY
mv dist/site.zip.tmp dist/site.zip
echo "package_site: dist/site.zip ($(du -h dist/site.zip | cut -f1), $(/usr/bin/python3 -c 'import zipfile,sys; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' dist/site.zip) files)"
