#!/bin/sh
# Run pnpm with the version pinned in package.json, installing it and the workspace's
# dependencies first when they are missing. Lets `npm start` / `npm test` work on a fresh
# machine that has only Node 20 (corepack's signature check fails against some registries).
set -e
cd "$(dirname "$0")/../.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
PNPM=""
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm -v 2>/dev/null)" = "$want" ]; then
  PNPM=pnpm
else
  local_bin=".cache/pnpm-$want/node_modules/.bin/pnpm"
  if [ ! -x "$local_bin" ]; then
    echo "feedback-lab: installing pnpm $want into .cache/ (one time)" >&2
    npm install --silent --no-audit --no-fund --prefix ".cache/pnpm-$want" "pnpm@$want" >&2
  fi
  PNPM="$PWD/$local_bin"
fi
# Install workspace dependencies when node_modules is absent or older than the lockfile.
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  "$PNPM" install --frozen-lockfile >&2
fi
export PATH="$(dirname "$PNPM"):$PATH"
exec "$PNPM" "$@"
