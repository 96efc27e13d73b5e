#!/bin/sh
# Times the whole `dun aging --by-client` process (start, open the store, load
# the book, age it, print CSV) on a generated book.
#
# usage: benches/aging.sh [INVOICES]        (default 100000)
#
# Needs python3 and ../shared/bench/gen_book.py (or /work/shared/bench/...).
# Uses hyperfine when installed (apt-get install hyperfine), else a plain
# loop of timed runs. Builds the release binary first. The generated book and
# store live in a temporary directory that is removed afterwards.
set -eu
cd "$(dirname "$0")/.."
N=${1:-100000}
GEN=""
for g in ../shared/bench/gen_book.py /work/shared/bench/gen_book.py; do
    if [ -f "$g" ]; then GEN=$g; break; fi
done
[ -n "$GEN" ] || { echo "gen_book.py not found" >&2; exit 1; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM
python3 "$GEN" "$WORK/book" --invoices "$N"
cargo build --release --quiet
DUN=$PWD/target/release/dun
for k in clients invoices payments; do
    "$DUN" --data "$WORK/data" import "$k" "$WORK/book/$k.csv"
done
: > "$WORK/config.toml"
CMD="$DUN --data $WORK/data --config $WORK/config.toml aging --by-client --as-of 2026-11-22"
echo "store: $(du -sh "$WORK/data" | cut -f1)"

if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 2 --runs 15 "$CMD --format csv" "$CMD --format table"
else
    for fmt in csv table; do
        i=0; times=""
        "$DUN" --version >/dev/null
        $CMD --format $fmt >/dev/null # warm the page cache
        while [ $i -lt 15 ]; do
            s=$(date +%s%N); $CMD --format $fmt >/dev/null; e=$(date +%s%N)
            times="$times $(( (e - s) / 1000000 ))"; i=$((i + 1))
        done
        echo "aging --by-client --format $fmt, ms per run (15 runs):$times" |
            awk '{print} END{}'
        echo "$times" | tr ' ' '\n' | grep . | sort -n |
            awk '{a[NR]=$1} END{printf "  min %d ms, median %d ms, max %d ms\n", a[1], a[int((NR+1)/2)], a[NR]}'
    done
fi
