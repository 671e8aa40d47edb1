#!/bin/bash
# The whole end-to-end stage of `npm test`: tools (idempotent), the .vsix, the suite inside the extension host,
# and the UI check of the packaged extension. Screenshots land in test-results/e2e/.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/e2e/setup-tools.sh
npm run -s package >/dev/null
VERSION=$(node -p 'require("./package.json").version')
mkdir -p test-results/e2e out/e2e
# The suite edits workspace files in the editor; none of it may reach the disk (it would break the next run).
fingerprint() { (cd test/e2e/workspace && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
before=$(fingerprint)
echo "== e2e: mocha suite inside the VS Code extension host"
PORT=${E2E_PORT:-8765} bash test/e2e/run.sh tests --folder test/e2e/workspace --dev . --tests out/e2e/suite/index.js \
  --results out/e2e/results.json --timeout 300
echo "== e2e: the packaged oci-manifest-$VERSION.vsix in the workbench UI"
VSIX="$PWD/oci-manifest-$VERSION.vsix" PORT=${E2E_UI_PORT:-8766} bash test/e2e/run.sh ui --folder test/e2e/workspace \
  --file broken.manifest.json --expect oci/schema-version --screenshot test-results/e2e/problems.png --timeout 180
if [ "$(fingerprint)" != "$before" ]; then
  echo "The end-to-end run changed files in test/e2e/workspace on disk:" >&2
  diff <(echo "$before") <(fingerprint) >&2
  exit 1
fi
