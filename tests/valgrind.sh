#!/usr/bin/env bash
# exe_wrapper of `meson test --setup valgrind` (see meson.build): runs a
# unit test under valgrind's memcheck; for a CLI test (a bash script) runs
# the script normally but every `incentive` it starts under memcheck, by
# pointing $INCENTIVE at a shim.  Any memory error or definite or possible
# leak makes the program exit with status 99, which fails the test.
set -u
here=$(cd "$(dirname "$0")" && pwd)
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite,possible
    --show-leak-kinds=definite,possible --track-origins=yes
    --suppressions="$here/valgrind.supp")
case "$(basename "$1")" in
bash|sh)
  : "${INCENTIVE:?INCENTIVE must point at the incentive binary}"
  shim=$(mktemp -d)
  chmod 0755 "$shim" # tests may run it as another user
  trap 'rm -rf "$shim"' EXIT
  {
    echo '#!/bin/sh'
    printf 'exec'
    printf ' %q' "${vg[@]}" "$INCENTIVE"
    printf ' "$@"\n'
  } >"$shim/incentive"
  chmod +x "$shim/incentive"
  # what the tests look for next to the binary (the man page, ...)
  for f in "$(dirname "$INCENTIVE")"/*; do
    [ -e "$shim/$(basename "$f")" ] || ln -s "$f" "$shim/$(basename "$f")"
  done
  # tests that generate millions of lines scale down under memcheck
  INCENTIVE=$shim/incentive INCENTIVE_UNDER_VALGRIND=1 "$@"
  exit $?
  ;;
*)
  exec "${vg[@]}" "$@"
  ;;
esac
