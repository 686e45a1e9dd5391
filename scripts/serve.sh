#!/usr/bin/env bash
# Sets up (apt-get, npm), builds the browser studio and serves it on
# http://127.0.0.1:PORT (default 8080). Usage: bash scripts/serve.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_web.sh
bash scripts/build_web.sh
exec node web/serve.mjs build-web/site "${1:-${PORT:-8080}}"
