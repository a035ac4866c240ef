#!/usr/bin/python3
"""Round trip of Explain's own output: for every teacher exercise, every parameter (with --all also
every other declaration and every intermediate) and every form (paths, factored, closed), the
derivative `sharpgrad explain` prints is given back to `sharpgrad check` as the student's answer.
A teacher can only put an explanation on the board if it is correct by the checker's own measure.

The expression is `explain --json`'s field `expression` when explain offers --json, else the
right-hand side of the printed `∂L/∂x = ...` line. All expressions are graded in one
`check --batch` run. Prints per form: correct, incorrect, ungradable (check could not read it) and
not printed (explain failed), then every case that is not correct.

    /usr/bin/python3 bench/grading/roundtrip.py [--all] [--jobs N]
"""
import argparse
import collections
import concurrent.futures
import csv
import json
import pathlib
import re
import sys
import tempfile

from common import exercises, sharpgrad

FORMS = ("paths", "factored", "closed")
DECLARATION = re.compile(r"^(param|input|target|const)\s+(\w+)")
ASSIGNMENT = re.compile(r"^(\w+)\s*=")
json_supported = None


def names(path, everything):
    """The names to differentiate with respect to: the params, or with --all every declaration and intermediate but the objective."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if m := DECLARATION.match(line):
            if everything or m.group(1) == "param":
                found.append(m.group(2))
        elif everything and (m := ASSIGNMENT.match(line)):
            found.append(m.group(1))
    if everything:
        found = found[:-1]  # the last assignment is the objective
    return found


def printed_expression(text):
    """The right-hand side of the one `∂L/∂x = ...` line of explain's text (between the title and the
    path counts, after any note on the layout); None when it printed a recurrence of several lines."""
    body = text.splitlines()[1:]
    body = [l for l in body if not l.startswith("paths:") and not l.startswith("In matrix notation")]
    lines = [l for l in body if " = " in l]
    if len(lines) != 1:
        return None
    return lines[0].split(" = ", 1)[1].strip()


def explain(path, wrt, form):
    """(expression or None, why not)."""
    global json_supported
    if json_supported is not False:
        code, out, err = sharpgrad("explain", path, "--wrt", wrt, "--form", form, "--json")
        if code == 0:
            json_supported = True
            doc = json.loads(out)
            if isinstance(doc.get("expression"), str):
                return doc["expression"], None
        elif "--json" in err and json_supported is None:
            json_supported = False
        else:
            return None, f"explain exit {code}: {err.strip()[:200]}"
    code, out, err = sharpgrad("explain", path, "--wrt", wrt, "--form", form)
    if code != 0:
        return None, f"explain exit {code}: {err.strip()[:200]}"
    expression = printed_expression(out)
    return (expression, None) if expression else (None, "printed as a recurrence of several lines")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="also every input, target, const and intermediate")
    parser.add_argument("--jobs", type=int, default=2, help="explain processes at a time")
    args = parser.parse_args()

    # Find out once whether explain has --json, before running in parallel.
    first = exercises()[0]
    explain(first, names(first, False)[0], "closed")
    jobs = [(p, wrt, form) for p in exercises() for wrt in names(p, args.all) for form in FORMS]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        printed = list(pool.map(lambda j: explain(*j), jobs))

    counts = collections.defaultdict(collections.Counter)
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        batch = pathlib.Path(tmp) / "roundtrip.csv"
        report = pathlib.Path(tmp) / "report.csv"
        rows = []
        with open(batch, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id", "program", "wrt", "expression"])
            for i, ((path, wrt, form), (expression, why)) in enumerate(zip(jobs, printed)):
                if expression is None:
                    counts[form]["not printed"] += 1
                    failures.append((path.stem, wrt, form, "not printed", why, ""))
                    continue
                w.writerow([str(i), str(path), wrt, expression])
                rows.append(i)
        if rows:
            code, out, err = sharpgrad("check", "--batch", batch, "--report", report)
            if code != 0:
                raise SystemExit(f"check --batch failed (exit {code}): {err.strip()}")
            for r in csv.DictReader(open(report, encoding="utf-8")):
                path, wrt, form = jobs[int(r["id"])]
                verdict = {"correct": "correct", "incorrect": "incorrect", "error": "ungradable"}[r["verdict"]]
                counts[form][verdict] += 1
                if verdict != "correct":
                    failures.append((path.stem, wrt, form, verdict, r["message"], r["expression"]))

    total = collections.Counter()
    print(f"round trip explain → check on {len(exercises())} exercises, {len(jobs) // len(FORMS)} derivatives, "
          f"expression from {'explain --json' if json_supported else 'the printed text'}:")
    for form in FORMS:
        c = counts[form]
        total.update(c)
        print(f"  {form:9} correct {c['correct']}, incorrect {c['incorrect']}, ungradable {c['ungradable']}, not printed {c['not printed']}")
    print(f"  {'all':9} correct {total['correct']}/{len(jobs)}, incorrect {total['incorrect']}, ungradable {total['ungradable']}, not printed {total['not printed']}")
    if failures:
        print("\nnot correct (exercise, wrt, form, outcome, message, expression):")
        for stem, wrt, form, outcome, message, expression in failures:
            print(f"  {stem} --wrt {wrt} --form {form}: {outcome}: {message[:160]}\n      {expression}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
