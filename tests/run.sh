#!/usr/bin/env bash
# `make test`: every stage runs even when an earlier one fails, so one run shows all problems.
# Each stage ends with a line "hpcstack-stage NAME ok|failed (N s)"; the exit status is non-zero
# when any stage failed.
set -uo pipefail
stages=("$@")
failed=()
for stage in "${stages[@]}"; do
  echo "===== $stage"
  start=$(date +%s)
  if make --no-print-directory "$stage"; then result=ok; else result=failed; failed+=("$stage"); fi
  echo "hpcstack-stage $stage $result ($(( $(date +%s) - start )) s)"
done
echo "stages: $(( ${#stages[@]} - ${#failed[@]} )) passed, ${#failed[@]} failed${failed:+ (${failed[*]})}"
[[ ${#failed[@]} -eq 0 ]]
