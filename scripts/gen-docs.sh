#!/usr/bin/env bash
# scripts/gen-docs.sh [TESSEL]: rewrites the generated blocks of docs/*.md
# (between "<!-- generated: COMMAND -->" and "<!-- end generated -->") with
# the output of COMMAND (`tessel ...`, or `scripts/NAME ...`, which is given
# --tessel TESSEL), so docs tables come from the same table as the code.
# The cli test (and area.calibration, for the area tables) fails when a block
# is out of date.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tessel=${1:-$here/build/tessel}
cd "$here"
for doc in docs/*.md; do
  grep -q '<!-- generated: ' "$doc" || continue
  tmp=$(mktemp)
  while IFS= read -r line; do
    case "$line" in
      '<!-- generated: scripts/'*' -->')  # a script of scripts/, given this tessel
        printf '%s\n' "$line" >>"$tmp"
        cmd=${line#<!-- generated: }; cmd=${cmd% -->}
        # shellcheck disable=SC2086
        "$here"/$cmd --tessel "$tessel" >>"$tmp"
        skipping=1 ;;
      '<!-- generated: '*' -->')
        printf '%s\n' "$line" >>"$tmp"
        cmd=${line#<!-- generated: tessel }; cmd=${cmd% -->}
        # shellcheck disable=SC2086
        "$tessel" $cmd >>"$tmp"
        skipping=1 ;;
      '<!-- end generated -->') printf '%s\n' "$line" >>"$tmp"; skipping=0 ;;
      *) [ "${skipping:-0}" = 1 ] || printf '%s\n' "$line" >>"$tmp" ;;
    esac
  done <"$doc"
  mv "$tmp" "$doc"
done
