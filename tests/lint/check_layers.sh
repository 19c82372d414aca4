#!/usr/bin/env bash
# Fails when a source file includes a header from a layer above it (or sideways):
# arrows point down only — cli -> source -> repo -> {crypto, storage} -> common,
# cli -> policy -> common (policy decides from facts its caller gives it), and
# cli -> config -> {source, policy} (what users type, parsed and range-checked
# once, into the settings types of the layers below), and cli -> app -> every
# library layer (use cases: what the CLI and the daemon call).
set -euo pipefail
SRC="$(cd "$(dirname "$0")/../../src" && pwd)"
declare -A allowed=(
  [common]="common"
  [crypto]="crypto common"
  [storage]="storage common"
  [repo]="repo crypto storage common"
  [source]="source repo crypto storage common"
  [policy]="policy common"
  [config]="config source repo crypto storage policy common"
  [app]="app config source repo crypto storage policy common"
  [cli]="cli app source repo crypto storage common policy config"
)
bad=0
for layer in "${!allowed[@]}"; do
  [ -d "$SRC/$layer" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -n 's/.*#include "\([a-z_]*\)\/.*/\1/p' <<<"$line")
    [ -n "$inc" ] || continue
    if ! grep -qw "$inc" <<<"${allowed[$layer]}"; then
      echo "layering violation: $file includes $inc/ (a $layer file may include: ${allowed[$layer]})"
      bad=1
    fi
  done < <(grep -rH --include='*.h' --include='*.cpp' '#include "' "$SRC/$layer" 2>/dev/null || true)
done
[ $bad -eq 0 ] && echo "layering: every include points down"
exit $bad
