#!/usr/bin/env bash
# Writes the scaling inputs of `falsafa bench ingest` (BENCHMARKS.md) to ${1:-/tmp/falsafa-books}:
# ~50k, ~120k and ~250k words cut from the bundled public-domain novels.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/falsafa-books}
mkdir -p "$out"
words() { tr -s '[:space:]' ' ' < "$1" | cut -d' ' -f"1-$2"; }
words data/books/174_the_picture_of_dorian_gray.txt 50000 > "$out/50k.txt"
words data/books/514_little_women.txt 120000 > "$out/120k.txt"
{ cat data/books/1260_jane_eyre_an_autobiography.txt; words data/books/514_little_women.txt 66000; } > "$out/250k.txt"
wc -w "$out"/*.txt
