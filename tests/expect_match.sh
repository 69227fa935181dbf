#!/bin/sh
# expect_match.sh TESSEL SRCDIR FILE: `tessel match FILE --hw HW` must list no
# binding for the workload's op and give, as a rejection, the text on FILE's
# "# expect:" line; HW is on its "# hw:" line (relative to SRCDIR).
tessel=$1; src=$2; file=$3
want=$(sed -n 's/^# expect: //p' "$file")
hw=$(sed -n 's/^# hw: //p' "$file")
if [ -z "$want" ] || [ -z "$hw" ]; then echo "FAIL: $file needs '# expect:' and '# hw:' lines"; exit 1; fi
out=$("$tessel" match "$file" --hw "$src/$hw" 2>&1); status=$?
ok=1
if [ "$status" != 0 ]; then echo "FAIL: exit status $status"; ok=0; fi
if ! printf '%s\n' "$out" | grep -q ': 0 bindings$'; then echo "FAIL: the op has bindings"; ok=0; fi
if ! printf '%s\n' "$out" | grep -qF -- "$want"; then echo "FAIL: no rejection says: $want"; ok=0; fi
if [ $ok = 1 ]; then echo "ok: $want"; exit 0; fi
printf '%s\n' "$out" | sed 's/^/  | /'
exit 1
