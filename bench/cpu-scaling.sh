#!/usr/bin/env bash
# Runs the full `sharpgrad bench` at 1 thread, 4 threads and every core (counts above the core count are left out),
# so that a row that gets slower as threads are added shows in its `scaling` column. Extra arguments go to bench
# (say --quick, --json or --only mlp). Run from anywhere; builds the CLI in Release first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cores="$(nproc)"
threads="1"
(( cores >= 4 )) && threads="$threads,4"
(( cores > 1 && cores != 4 )) && threads="$threads,$cores"
echo "cpu-scaling: $cores cores, threads $threads; load: $(uptime | sed 's/.*load average: //')" >&2
dotnet build "$root/src/SharpGrad.Cli" -c Release -v quiet -nologo >&2
exec dotnet run --no-build --project "$root/src/SharpGrad.Cli" -c Release -- bench --threads "$threads" "$@"
