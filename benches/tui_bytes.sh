#!/usr/bin/env bash
# Bytes sent to the terminal per selection move, as a remote user would
# receive them over SSH: the program runs in tmux and `tmux pipe-pane -o`
# records everything it writes while the selection moves down and up
# (j/k, alternately, so the list never scrolls). The same is measured for
# hledger-ui (its accounts screen, ↓/↑) on the journal of a generated book,
# as the yardstick.
#
# usage: benches/tui_bytes.sh [MOVES]      (default 40)
# prints: program, screen, size, bytes per move
#
# Needs tmux; hledger-ui is measured when installed (apt-get install hledger-ui).
# dun is the release build, as a user runs it: a slower debug build could
# fall behind the keys and draw fewer frames than there were moves.
set -euo pipefail
cd "$(dirname "$0")/.."
moves=${1:-40}
command -v tmux >/dev/null || { echo "tmux not found" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/dun
tmp=$(mktemp -d)
sock="dun-bytes-$$"
trap 'tmux -L "$sock" kill-server 2>/dev/null || true; rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$sock"; rm -rf "$tmp"' EXIT

"$bin" --data "$tmp/data" demo --no-tui --today 2026-11-25 >/dev/null
gen=../shared/bench/gen_book.py
[ -f "$gen" ] || gen=/work/shared/bench/gen_book.py
[ -f "$gen" ] && python3 "$gen" "$tmp/csv" --invoices 2000 >/dev/null

# measure NAME SCREEN W H "COMMAND" "SETUP KEYS" DOWN UP
measure() {
  local name=$1 screen=$2 w=$3 h=$4 cmd=$5 setup=$6 down=$7 up=$8 out="$tmp/pipe-$RANDOM"
  tmux -L "$sock" new-session -d -x "$w" -y "$h" -s s "$cmd"
  sleep 2
  for k in $setup; do tmux -L "$sock" send-keys -t s "$k"; sleep 0.3; done
  sleep 1
  : >"$out"
  tmux -L "$sock" pipe-pane -t s -o "cat >> $out"
  sleep 0.3
  for i in $(seq "$moves"); do
    if (( i % 2 )); then tmux -L "$sock" send-keys -t s "$down"; else tmux -L "$sock" send-keys -t s "$up"; fi
    sleep 0.12
  done
  sleep 0.8
  tmux -L "$sock" pipe-pane -t s
  tmux -L "$sock" kill-session -t s
  local bytes
  bytes=$(wc -c <"$out")
  printf '%-10s %-9s %3sx%-3s %6d B/move\n' "$name" "$screen" "$w" "$h" $((bytes / moves))
}

dun="$bin --data $tmp/data --today 2026-11-25"
for size in "80 24" "120 40"; do
  set -- $size
  measure dun Today "$1" "$2" "$dun" "" j k
  measure dun Invoices "$1" "$2" "$dun" "3 a" j k
  if command -v hledger-ui >/dev/null && [ -f "$tmp/csv/book.journal" ]; then
    measure hledger-ui accounts "$1" "$2" "hledger-ui -f $tmp/csv/book.journal" "" Down Up
  fi
done
