#!/usr/bin/env bash
# Import benchmark: the 100,000-invoice book from gen_book.py into an empty
# store through the real CLI (release build), step by step, plus the export,
# re-import and backup of the result. Run from the repository root:
#
#     benches/import.sh [INVOICES]        # default 100000
#
# Prints one line per step with its wall-clock time. Each import is one
# `Store::apply` (one sled transaction and one flush).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
gen=""
for g in "../shared/bench/gen_book.py" "/work/shared/bench/gen_book.py"; do
  if [ -f "$g" ]; then gen=$g; break; fi
done
if [ -z "$gen" ]; then echo "bench: gen_book.py not found (../shared/bench or /work/shared/bench)" >&2; exit 1; fi

cargo build --release --quiet
dun=target/release/dun
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$gen" "$work/book" --invoices "$n" >/dev/null
echo "book: $(($(wc -l < "$work/book/clients.csv") - 1)) clients, $(($(wc -l < "$work/book/invoices.csv") - 1)) invoices, $(($(wc -l < "$work/book/payments.csv") - 1)) payments"

step() {
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  printf '%-28s %6.2f s\n' "$name" "$(echo "$t1 - $t0" | bc)"
}
data="$work/data"
total0=$(date +%s.%N)
step "import clients" "$dun" --data "$data" import clients "$work/book/clients.csv"
step "import invoices" "$dun" --data "$data" import invoices "$work/book/invoices.csv"
step "import payments" "$dun" --data "$data" import payments "$work/book/payments.csv"
total1=$(date +%s.%N)
printf '%-28s %6.2f s\n' "whole book (3 imports)" "$(echo "$total1 - $total0" | bc)"
step "verify" "$dun" --data "$data" verify
step "export (csv)" "$dun" --data "$data" export "$work/export"
step "import book (empty store)" "$dun" --data "$work/data2" import book "$work/export"
step "backup" "$dun" --data "$data" backup "$work/book.backup"
step "restore (with verify)" "$dun" --data "$work/data3" restore "$work/book.backup"
