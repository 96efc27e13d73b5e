#!/usr/bin/env bash
# Whole-process timings on the shared 100,000-invoice book (or N from $1).
#
#   benches/volume.sh [INVOICES]
#
# Builds the release binary, generates the book with ../shared/bench/gen_book.py
# (cached under target/bench-book-N), imports it into a fresh store, then times
# each command end to end (process start to exit), with hyperfine when it is
# installed (apt-get install hyperfine) and /usr/bin/time otherwise. Peak
# memory (max RSS) comes from /usr/bin/time. Timings are measured here, never
# asserted in tests, so they cannot flake.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
cargo build --release --quiet
DUN=$PWD/target/release/dun
BOOK=$PWD/target/bench-book-$N
GEN=""
for g in ../shared/bench/gen_book.py /work/shared/bench/gen_book.py; do [ -f "$g" ] && GEN=$g && break; done
[ -n "$GEN" ] || { echo "gen_book.py not found beside the checkout" >&2; exit 1; }
[ -f "$BOOK/invoices.csv" ] || python3 "$GEN" "$BOOK" --invoices "$N"
DATA=$(mktemp -d)
trap 'rm -rf "$DATA"' EXIT
TODAY=2026-11-22

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, max RSS %M KB" "$@" >/dev/null
}

echo "== import ($N invoices)"
measure "import clients" "$DUN" --data "$DATA" import clients "$BOOK/clients.csv"
measure "import invoices" "$DUN" --data "$DATA" import invoices "$BOOK/invoices.csv"
measure "import payments" "$DUN" --data "$DATA" import payments "$BOOK/payments.csv"

echo "== queries"
CMDS=(
  "client list"
  "verify"
)
for extra in "aging --by-client --format csv" "today --format csv" "stats"; do
  if "$DUN" --data "$DATA" --today $TODAY $extra >/dev/null 2>&1; then CMDS+=("$extra"); fi
done
for c in "${CMDS[@]}"; do
  measure "$c" "$DUN" --data "$DATA" --today $TODAY $c
done
if command -v hyperfine >/dev/null 2>&1; then
  args=()
  for c in "${CMDS[@]}"; do args+=("$DUN --data $DATA --today $TODAY $c"); done
  # hyperfine reports user and sys CPU beside wall time: on a shared,
  # noisy machine CPU time is the steadier figure.
  hyperfine --warmup 1 --runs 10 -N "${args[@]}"
fi
