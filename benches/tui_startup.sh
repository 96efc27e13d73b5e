#!/usr/bin/env bash
# Wall-clock time from launching `dun` to its first screen being on the
# terminal, for the real release binary in a real terminal (tmux 120x40),
# on the 100,000-invoice book from gen_book.py.
#
# usage: benches/tui_startup.sh [RUNS]     (default 7; prints each and the median)
#
# The book is generated and imported into a temp dir first (not timed).
# Timing starts just before tmux launches the command and stops when
# capture-pane first shows the Today header; polling every 5 ms adds up to
# that much (plus tmux's own latency) to each figure, so they are upper bounds.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-7}
gen=../shared/bench/gen_book.py
[ -f "$gen" ] || gen=/work/shared/bench/gen_book.py
[ -f "$gen" ] || { echo "gen_book.py not found" >&2; exit 1; }
command -v tmux >/dev/null || { echo "tmux not found" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/dun
tmp=$(mktemp -d)
sock="dun-startup-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmp"' EXIT

python3 "$gen" "$tmp/csv" --invoices 100000 --as-of 2026-11-22 >/dev/null
for k in clients invoices payments; do
  "$bin" --data "$tmp/data" import "$k" "$tmp/csv/$k.csv" >/dev/null
done

times=()
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  first=""
  tmux -L "$sock" new-session -d -x 120 -y 40 -s s "$bin --data $tmp/data --today 2026-11-22"
  while :; do
    screen=$(tmux -L "$sock" capture-pane -p -t s 2>/dev/null || true)
    if [ -z "$first" ] && grep -q "dun" <<<"$screen"; then first=$(date +%s%N); fi
    grep -q "Today ·" <<<"$screen" && break
    sleep 0.005
  done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  echo "run $i: ${ms} ms to the Today screen ($(( (first - start) / 1000000 )) ms to the first frame)"
  tmux -L "$sock" send-keys -t s q
  while tmux -L "$sock" has-session -t s 2>/dev/null; do sleep 0.02; done
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
median=$(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p")
echo "median: ${median} ms (${runs} runs, 100,000 invoices, release build)"
