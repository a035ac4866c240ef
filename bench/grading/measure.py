#!/usr/bin/python3
"""Compares `sharpgrad grad --json` with the PyTorch reference on every teacher exercise.

Every value and every gradient of every declaration and named intermediate is compared (relative
tolerance 1e-9, absolute 1e-12, after flattening, since SharpGrad keeps sizes of 1 that PyTorch's
transcription may drop). Prints one line per exercise and the totals; exit 1 on any mismatch.

    /usr/bin/python3 bench/grading/measure.py
"""
import json
import math
import subprocess
import sys

from common import ROOT, exercises, sharpgrad


def flat(v):
    if isinstance(v, list):
        return [x for item in v for x in flat(item)]
    if isinstance(v, str):  # NaN and infinities are strings in grad --json
        return [float(v.replace("Infinity", "inf"))]
    return [float(v)]


def close(a, b):
    a, b = flat(a), flat(b)
    return len(a) == len(b) and all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))


def main():
    reference = json.loads(subprocess.run([sys.executable, str(ROOT / "bench" / "grading" / "reference.py")],
                                          capture_output=True, text=True, check=True).stdout)
    compared = mismatched = 0
    bad_exercises = []
    for path in exercises():
        ref = reference[path.stem]
        code, out, err = sharpgrad("grad", path, "--json")
        if code != 0:
            print(f"{path.stem}: grad failed (exit {code}): {err.strip()}")
            bad_exercises.append(path.stem)
            continue
        got = json.loads(out)
        wrong = []
        for kind in ("values", "gradients"):
            for name, expected in ref[kind].items():
                compared += 1
                if name not in got[kind] or not close(got[kind][name], expected):
                    mismatched += 1
                    wrong.append(f"{kind[:-1]} {name}: sharpgrad {got[kind].get(name)} vs torch {expected}")
        if got["objective"] != ref["objective"]:
            wrong.append(f"objective {got['objective']} vs {ref['objective']}")
        print(f"{path.stem}: {'match' if not wrong else 'MISMATCH'} ({len(ref['values'])} names)")
        for w in wrong:
            print("   ", w)
        if wrong:
            bad_exercises.append(path.stem)
    n = len(exercises())
    print(f"grad vs PyTorch: {n - len(bad_exercises)}/{n} exercises match; {compared - mismatched}/{compared} values and gradients agree")
    return 1 if bad_exercises else 0


if __name__ == "__main__":
    sys.exit(main())
