"""Shared helpers of the grading measurement scripts: where the exercises and the CLI are, how to run it."""
import os
import pathlib
import shlex
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "tests" / "SharpGrad.Tests" / "Explain" / "Exercises"
CASES = ROOT / "tests" / "SharpGrad.Cli.Tests" / "Grading" / "teacher-cases.csv"


def exercises():
    return sorted(EXERCISES.glob("teacher-*.grad"))


def sharpgrad_command():
    """SHARPGRAD (a command line) if set, else the Release build of the CLI (dotnet build SharpGrad.sln -c Release)."""
    if os.environ.get("SHARPGRAD"):
        return shlex.split(os.environ["SHARPGRAD"])
    host = ROOT / "src" / "SharpGrad.Cli" / "bin" / "Release" / "net10.0" / "SharpGrad.Cli"
    if host.exists():
        return [str(host)]
    dll = host.with_suffix(".dll")
    if dll.exists():
        return ["dotnet", str(dll)]
    raise SystemExit("the CLI is not built: run `dotnet build SharpGrad.sln -c Release` or set SHARPGRAD")


def sharpgrad(*args):
    """Runs `sharpgrad ARGS`; returns (exit code, stdout, stderr)."""
    p = subprocess.run(sharpgrad_command() + [str(a) for a in args], capture_output=True, text=True, encoding="utf-8")
    return p.returncode, p.stdout, p.stderr
