#!/bin/sh
# The library never aborts or exits on its own account: an allocation failure
# or a bad input is an error returned to the caller (docs/architecture.md).
# This reads the undefined symbols of every layer archive (not the command,
# which may use the aborting x* allocators of cli/xalloc.h) and fails, naming
# the object, when one refers to an aborting allocator or to abort/exit,
# outside the allowed list below, or defines an aborting allocator.
# usage: no_abort_test.sh NM ARCHIVE...
set -u
nm=$1
shift
# object:symbol pairs that may stay, and why:
#   diag.c.o:abort   die() itself: an internal bug (a broken invariant), never input
#   build.c.o:_exit  the child between fork and exec of the RTL build, when exec fails
allowed=" diag.c.o:abort build.c.o:_exit "
forbidden='^(xmalloc|xcalloc|xrealloc|xstrdup|xstrndup|xasprintf|abort|exit|_exit|_Exit|quick_exit|err|errx|verr|verrx|__assert_fail)$'
fail=0
for a in "$@"; do
	[ -f "$a" ] || { echo "FAIL: no archive $a"; fail=1; continue; }
	# `nm -A -P` prints "ARCHIVE[OBJECT]: SYMBOL TYPE ..." (U: undefined, T: defined code)
	syms=$("$nm" -A -P "$a" 2>/dev/null)
	[ -n "$syms" ] || { echo "FAIL: nm found no symbols in $a"; fail=1; continue; }
	found=$(printf '%s\n' "$syms" | awk -v re="$forbidden" '($3 == "U" || $3 == "T") && $2 ~ re { print $1 " " $3 " " $2 }')
	[ -n "$found" ] || continue
	while read -r where kind sym; do
		obj=${where%]:}
		obj=${obj##*[}
		if [ "$kind" = T ]; then
			case "$sym" in x*) echo "FAIL: $(basename "$a") $obj defines $sym"; fail=1 ;; esac
			continue
		fi
		case "$allowed" in *" $obj:$sym "*) continue ;; esac
		echo "FAIL: $(basename "$a") $obj calls $sym"
		fail=1
	done <<END
$found
END
done
[ $fail -eq 0 ] && echo "no layer archive calls an aborting allocator, abort or exit"
exit $fail
