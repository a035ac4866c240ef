#!/usr/bin/python3
"""Grades tests/SharpGrad.Cli.Tests/Grading/teacher-cases.csv with `sharpgrad check --batch` and
compares every verdict with the teacher's.

Each case is a hand answer to one teacher exercise with the teacher's verdict (`teacher`: correct or
incorrect), the class of mistake a teacher names (`mistake`: None for a correct answer, else one of
SharpGrad's CheckMistake names) and the notation it is written in. Prints the figures
(agreement, wrong accepted, right rejected, ungradable, mistake class named), a table by notation
and every disagreement; `--report FILE` keeps sharpgrad's own report.

    /usr/bin/python3 bench/grading/grading.py [--report OUT.csv] [--quiet]
"""
import argparse
import collections
import csv
import pathlib
import sys
import tempfile

from common import CASES, sharpgrad


def grade(report_path):
    code, out, err = sharpgrad("check", "--batch", CASES, "--report", report_path)
    if code != 0:
        raise SystemExit(f"check --batch failed (exit {code}): {err.strip()}")
    cases = list(csv.DictReader(open(CASES, encoding="utf-8")))
    report = {r["id"]: r for r in csv.DictReader(open(report_path, encoding="utf-8"))}
    return cases, report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", help="keep sharpgrad's batch report here (.csv)")
    parser.add_argument("--quiet", action="store_true", help="only the figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cases, report = grade(args.report or str(pathlib.Path(tmp) / "report.csv"))

    n = len(cases)
    agree = wrong_accepted = right_rejected = ungradable = 0
    wrong = named = 0
    disagreements, misnamed = [], []
    by_notation = collections.defaultdict(lambda: [0, 0])
    for c in cases:
        r = report[c["id"]]
        verdict = r["verdict"]
        ok = verdict == c["teacher"]
        agree += ok
        by_notation[c["notation"]][0] += ok
        by_notation[c["notation"]][1] += 1
        if verdict == "error":
            ungradable += 1
        elif c["teacher"] == "incorrect" and verdict == "correct":
            wrong_accepted += 1
        elif c["teacher"] == "correct" and verdict == "incorrect":
            right_rejected += 1
        if not ok:
            disagreements.append((c, r))
        if c["teacher"] == "incorrect":
            wrong += 1
            if verdict == "incorrect" and r["mistake"] == c["mistake"]:
                named += 1
            elif verdict == "incorrect":
                misnamed.append((c, r))

    right = n - wrong
    print(f"cases: {n} ({right} right answers, {wrong} wrong answers) on {len({c['program'] for c in cases})} exercises")
    print(f"agreement with the teacher: {agree}/{n}")
    print(f"wrong accepted: {wrong_accepted}; right rejected: {right_rejected}; ungradable (error): {ungradable}")
    print(f"mistake class named as the teacher names it: {named}/{wrong}")
    if args.quiet:
        return 0
    print("\nagreement by notation:")
    for notation, (a, t) in sorted(by_notation.items()):
        print(f"  {notation:14} {a}/{t}")
    print("\ndisagreements (id, wrt, expression, teacher, sharpgrad, message):")
    for c, r in disagreements:
        print(f"  {c['id']:8} {c['wrt']:5} {c['expression']}\n           teacher {c['teacher']}, sharpgrad {r['verdict']} {r['mistake']}: {r['message'][:160]}")
    print("\nwrong answers rejected with another mistake class (id, expression, teacher's class, sharpgrad's):")
    for c, r in misnamed:
        print(f"  {c['id']:8} {c['expression'][:70]:70} {c['mistake']:14} {r['mistake']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
