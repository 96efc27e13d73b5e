#!/usr/bin/env bash
# The issue-15 targets, measured: whole-process wall and CPU time and peak
# memory of import, `aging --by-client`, `today` and the interface's first
# screen on a generated book, and the read commands as a ratio against
# ledger's `bal` on the same book's journal in the same run. The first
# screen is timed twice: DUN_FIRST_FRAME_AND_EXIT=1 (the interface draws its
# first screen into a buffer and exits: launch to first screen, CPU and
# memory included, no terminal needed), and in tmux until Today shows.
#
#   benches/scale.sh [INVOICES] [RUNS]      # default 1000000, 5
#   KEEP_STORE=1 benches/scale.sh ...       # reuse the store a previous run
#                                           # imported (no import figures)
#
# Needs python3 and ../shared/bench/gen_book.py; ledger (apt-get install
# ledger) for the ratio, hyperfine optional, tmux for the interface.
# The book is generated into /tmp/dun-scale-N (kept: it takes a while) and
# imported into a fresh store there. Timings are measured here, never
# asserted in tests. On a shared machine, read the CPU column.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
RUNS=${2:-5}
cargo build --release --quiet
DUN=$PWD/target/release/dun
WORK=/tmp/dun-scale-$N
GEN=""
for g in ../shared/bench/gen_book.py /work/shared/bench/gen_book.py; do [ -f "$g" ] && GEN=$g && break; done
[ -n "$GEN" ] || { echo "gen_book.py not found beside the checkout" >&2; exit 1; }
[ -f "$WORK/book/invoices.csv" ] || python3 "$GEN" "$WORK/book" --invoices "$N"
DATA=$WORK/data
: > "$WORK/config.toml"
TODAY=2026-11-22

measure() { # label, command...
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %U s user, %S s sys, peak %M KB" "$@" >/dev/null
}

# The invoices a kept store holds (none when there is no store): an import
# cut short leaves fewer, and a partial book is imported again, not measured.
kept_invoices() {
  [ -f "$DATA/dun.manifest" ] || { echo 0; return; }
  "$DUN" --data "$DATA" --config "$WORK/config.toml" --format csv invoice list --status all 2>/dev/null | tail -n +2 | wc -l
}
if [ "${KEEP_STORE:-}" = 1 ] && [ "$(kept_invoices)" = "$N" ]; then
  echo "== import skipped (KEEP_STORE=1: the store in $DATA is reused)"
  # The first read after a build that reads another image format rebuilds
  # the image from the store: done here, so that no measured run pays for it.
  "$DUN" --data "$DATA" --config "$WORK/config.toml" --today $TODAY today --format csv >/dev/null
else
  rm -rf "$DATA"
  echo "== import ($N invoices)"
  for k in clients invoices payments; do
    measure "import $k" "$DUN" --data "$DATA" --config "$WORK/config.toml" import "$k" "$WORK/book/$k.csv"
  done
fi

echo "== read commands (image; best of $RUNS by CPU, and peak memory)"
read_cmd() { "$DUN" --data "$DATA" --config "$WORK/config.toml" --today $TODAY "$@"; }
for c in "aging --by-client --format csv" "today --format csv"; do
  # shellcheck disable=SC2086
  for _ in $(seq "$RUNS"); do measure "$c" read_cmd $c 2>&1; done 2>&1 | sort -t, -k2 -n | head -1
done 2>&1

if command -v ledger >/dev/null 2>&1; then
  echo "== against ledger on the same journal (same run)"
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine -N --warmup 1 --runs "$RUNS" \
      "$DUN --data $DATA --config $WORK/config.toml --today $TODAY aging --by-client --format csv" \
      "$DUN --data $DATA --config $WORK/config.toml --today $TODAY today --format csv" \
      "ledger -f $WORK/book/book.journal bal" \
      "ledger -f $WORK/book/book.journal bal --flat"
  else
    measure "ledger bal" ledger -f "$WORK/book/book.journal" bal
    measure "ledger bal --flat" ledger -f "$WORK/book/book.journal" bal --flat
  fi
fi

echo "== interface: launch to the first screen (drawn into a 120x40 buffer, then exit)"
for _ in $(seq "$RUNS"); do
  DUN_FIRST_FRAME_AND_EXIT=1 /usr/bin/time -f "first screen: %e s wall, %U s user, %S s sys, peak %M KB" \
    "$DUN" --data "$DATA" --config "$WORK/config.toml" --today $TODAY 2>&1 >/dev/null | tail -1
done

if command -v tmux >/dev/null 2>&1; then
  echo "== interface: launch to the Today header (tmux 120x40)"
  for _ in $(seq "$RUNS"); do
    tmux kill-session -t dunscale 2>/dev/null || true
    s=$(date +%s%N)
    tmux new-session -d -s dunscale -x 120 -y 40 "$DUN --data $DATA --config $WORK/config.toml --today $TODAY"
    until tmux capture-pane -p -t dunscale 2>/dev/null | grep -q "Today"; do sleep 0.01; done
    e=$(date +%s%N)
    tmux kill-session -t dunscale
    echo "first screen: $(( (e - s) / 1000000 )) ms"
  done
fi
