#!/bin/sh
# The layer check (cmake/layer_check.cmake) refuses an include of a layer
# that is not below, and one that climbs out of its folder, naming the file
# and line; it accepts includes of lower layers and of the layer's own files.
# usage: layers_test.sh SOURCE_DIR WORK_DIR
set -u
src=$1 work=$2
rm -rf "$work" && mkdir -p "$work/hwdesc" || exit 1
fail=0
check() { # check EXPECT_STATUS EXPECT_TEXT FILE_CONTENT
	printf '%s\n' "$3" >"$work/hwdesc/x.c"
	out=$(cmake -DLAYER=hwdesc -DVISIBLE='hwdesc|base' -DROOT="$work" -DFILES="$work/hwdesc/x.c" \
		-DSTAMP="$work/stamp" -P "$src/cmake/layer_check.cmake" 2>&1)
	status=$?
	if [ "$1" = 0 ] && [ $status -ne 0 ]; then
		echo "FAIL: refused: $3"; echo "$out"; fail=1
	elif [ "$1" != 0 ] && [ $status -eq 0 ]; then
		echo "FAIL: accepted: $3"; fail=1
	fi
	# cmake wraps long messages: compare with the line breaks folded
	flat=$(printf '%s' "$out" | tr '\n' ' ' | tr -s ' ')
	case "$flat" in *"$2"*) ;; *) echo "FAIL: expected '$2' in: $flat"; fail=1 ;; esac
}
check 0 "" '#include "base/diag.h"
#include "hw.h"
#include <stdio.h>'
check 1 'hwdesc/x.c:2: #include "compiler/compile.h": layer hwdesc may not include compiler/, which is not below it (it may include: hwdesc, base)' '#include "hw.h"
#include "compiler/compile.h"'
check 1 'hwdesc/x.c:1: #include "../isa/isa.h" climbs out of its folder' '#include "../isa/isa.h"'
check 1 'hwdesc/x.c:1: #include "base/../isa/isa.h" climbs out of its folder' '  #  include "base/../isa/isa.h"'
[ $fail -eq 0 ] && echo "layers: ok"
exit $fail
