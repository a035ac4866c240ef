#!/usr/bin/env bash
# The GPU check: SharpGrad.Cuda's tests on a real NVIDIA GPU, `sharpgrad bench --device cuda` against PyTorch CUDA,
# and the default `sharpgrad train` on the GPU. Run from the repository root on a machine with an NVIDIA driver,
# Python with a CUDA build of PyTorch (the reference) and either the .NET SDK or published builds:
#
#   bench/gpu/check.sh                 # with the .NET SDK: builds what it needs first
#   SHARPGRAD_BIN=/path bench/gpu/check.sh
#       # with only the .NET runtime: /path holds `dotnet publish` outputs of
#       # tests/SharpGrad.Cuda.Tests (as /path/SharpGrad.Cuda.Tests) and src/SharpGrad.Cli (as /path/SharpGrad.Cli)
#
# It takes a few minutes; the figures go to stdout and to $OUT (default ./gpu-check) as gpu-bench.jsonl,
# train.log and tests.log.
set -uo pipefail
out=${OUT:-gpu-check}
mkdir -p "$out"
bin=${SHARPGRAD_BIN:-}
if [ -z "$bin" ]; then
    bin=$(mktemp -d)
    dotnet publish tests/SharpGrad.Cuda.Tests -c Release -o "$bin/SharpGrad.Cuda.Tests" -nologo -v q || exit 1
    dotnet publish src/SharpGrad.Cli -c Release -o "$bin/SharpGrad.Cli" -nologo -v q || exit 1
fi
python=${PYTHON:-python3}
status=0

echo "== GPU"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found"

echo "== SharpGrad.Cuda tests on cuda"
SHARPGRAD_TEST_DEVICE=cuda timeout 240 dotnet "$bin/SharpGrad.Cuda.Tests/SharpGrad.Cuda.Tests.dll" 2>&1 | tee "$out/tests.log" | tail -25
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== bench --device cuda"
timeout 300 dotnet "$bin/SharpGrad.Cli/SharpGrad.Cli.dll" bench --device cuda --python "$python" --json > "$out/gpu-bench.jsonl" 2> "$out/gpu-bench.notes"
[ $? -eq 0 ] || status=1
cat "$out/gpu-bench.jsonl" "$out/gpu-bench.notes"

echo "== train --device cuda (the default CNN, 15 epochs)"
timeout 240 dotnet "$bin/SharpGrad.Cli/SharpGrad.Cli.dll" train --device cuda --out "$out/train" 2>&1 | tee "$out/train.log" | tail -20
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
exit $status
