#!/bin/sh
# support.sh TESSEL SRCDIR: `tessel check` says which configurations the RTL
# implements, and why not for the others (docs/rtl.md).
set -eu
tessel=$1 src=$2
expect() { # expect HW LINE
  got=$("$tessel" check "$src/examples/hw/$1.yaml" | grep '^rtl:')
  [ "$got" = "$2" ] || { echo "FAIL: $1: got '$got', expected '$2'" >&2; exit 1; }
  echo "$1: $got"
}
expect vta-default "rtl: supported"
expect edge-tiny "rtl: supported"
expect dot-i8 "rtl: supported"
expect mma-fp16 "rtl: not supported: fp16 arithmetic"
expect server-wide "rtl: not supported: shared on-chip levels (a memory hierarchy deeper than one scratchpad level)"
