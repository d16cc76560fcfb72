#!/usr/bin/env bash
# Fails when C code calls a function the project bans (STYLE: unbounded or unchecked conversions).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if git ls-files -z '*.c' '*.h' | xargs -0 grep -nE '(^|[^_[:alnum:]])(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets)[[:space:]]*\(' ; then
  echo "banned function calls above: use snprintf, memcpy with sizes, strtol"
  exit 1
fi
echo "banned functions: none used"
