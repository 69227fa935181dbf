# checks.sh: the checks the command tests share, sourced by them.  Each
# counts into $pass and $fail and keeps a command's output in $work/out and
# $work/err.
pass=0; fail=0
expect() { # expect STATUS DESCRIPTION CMD...: the command exits with STATUS
  want=$1; what=$2; shift 2
  "$@" >"$work/out" 2>"$work/err"; got=$?
  if [ "$got" = "$want" ]; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $what: exit $got, expected $want"; sed 's/^/  | /' "$work/err"; fi
}
contains() { # contains FILE TEXT DESCRIPTION
  if grep -qF -- "$2" "$1"; then pass=$((pass + 1)); else
    fail=$((fail + 1)); echo "FAIL: $3: '$2' not in $1"; sed 's/^/  | /' "$1"; fi
}
