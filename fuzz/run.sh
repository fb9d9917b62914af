#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) with cargo-fuzz on the stable toolchain
# (RUSTC_BOOTSTRAP lets stable rustc take the sanitizer flags cargo-fuzz passes). A crash is kept
# in fuzz/artifacts/TARGET/ and fails this script. Usage: fuzz/run.sh [SECONDS [BUILD OPTIONS]]
# e.g. `fuzz/run.sh 30 --dev --sanitizer none` (the CI smoke: a quick unoptimised build) or
# `fuzz/run.sh 600` (optimised, with AddressSanitizer).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"
shift || true
build=("$@")
export RUSTC_BOOTSTRAP=1
mkdir -p logs
for target in front_matter ask custom_id; do
  mkdir -p "corpus/$target"
  echo "== fuzz $target for ${seconds}s"
  status=0
  cargo fuzz run "${build[@]}" "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=4096 \
    >"logs/$target.log" 2>&1 || status=$?
  grep -E "^#[0-9]+ +(DONE|pulse)|^Done [0-9]+ runs|SUMMARY|panicked" "logs/$target.log" | tail -3 || true
  if [ "$status" -ne 0 ]; then
    tail -40 "logs/$target.log"
    echo "fuzz $target failed (exit $status); see fuzz/artifacts/$target/"
    exit "$status"
  fi
done
