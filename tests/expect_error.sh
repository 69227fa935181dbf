#!/bin/sh
# expect_error.sh FILE STATUS CMD...: runs CMD, requires exit status STATUS and
# that the first line of its stderr is "FILE:" followed by the text given on
# FILE's first line after "expect: " (a '#' or ';' comment).
file=$1; status=$2; shift 2
want=$(head -n 1 "$file" | sed -n 's/^[#;] *expect: //p')
if [ -z "$want" ]; then echo "FAIL: $file has no '# expect:' first line"; exit 1; fi
err=$("$@" 2>&1 >/dev/null); got_status=$?
first=$(printf '%s\n' "$err" | head -n 1)
ok=1
if [ "$got_status" != "$status" ]; then echo "FAIL: exit status $got_status, expected $status"; ok=0; fi
if [ "$first" != "$file:$want" ]; then
  echo "FAIL: first error differs"; echo "  expected: $file:$want"; echo "  got:      $first"; ok=0
fi
if [ $ok = 1 ]; then echo "ok: $first"; exit 0; fi
printf '%s\n' "$err" | sed 's/^/  | /'
exit 1
