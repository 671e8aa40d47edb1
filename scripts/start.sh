#!/bin/bash
# npm start: build, package, install the editor tools on first run, and open the examples in a real VS Code
# (code-server) at http://127.0.0.1:8080 with the packaged extension installed.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Checking the editor tools (the first run installs them: a few minutes)…"
bash test/e2e/setup-tools.sh
npm run -s package >/dev/null
VERSION=$(node -p 'require("./package.json").version')
VSIX="$PWD/oci-manifest-$VERSION.vsix" PORT=${PORT:-8080} exec bash test/e2e/run.sh serve --folder "$PWD/examples"
