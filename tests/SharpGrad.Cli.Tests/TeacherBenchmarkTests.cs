using System.Text;
using System.Text.Json;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Grades the teacher's benchmark (Grading/teacher-cases.csv: hand answers to the 21 course exercises
/// under tests/SharpGrad.Tests/Explain/Exercises/teacher-*.grad, each with the verdict and the class
/// of mistake a teacher gives) with <c>sharpgrad check --batch</c>, and holds the agreement where it
/// is: every case graded as the teacher grades it today must stay so, and every wrong answer whose
/// mistake class is named as the teacher names it must keep that class. The cases that disagree
/// today are listed with the reason, so that a change to the checker can only add agreement;
/// bench/grading/grading.py prints the same figures and the disagreements in full.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class TeacherBenchmarkTests
{
    /// <summary>The cases whose verdict differs from the teacher's today, and why.</summary>
    private static readonly Dictionary<string, string> KnownDisagreements = new(StringComparer.Ordinal)
    {
        // None: numeric answers with several components, a name before a bracket, juxtaposed matrix products and
        // Σ are all read as the teacher reads them. A case that stops agreeing fails the test.
    };

    /// <summary>The wrong answers rejected today with another class of mistake than the teacher names.</summary>
    private static readonly Dictionary<string, string> KnownMisnamed = new(StringComparer.Ordinal)
    {
        // None: every wrong answer's class is named as the teacher names it. A case that stops being so fails the test.
    };

    private static readonly string Cases = Path.Combine(CliRunner.RepoRoot, "tests", "SharpGrad.Cli.Tests", "Grading", "teacher-cases.csv");

    private sealed record Case(string Id, string Program, string Wrt, string Expression, string Teacher, string Mistake);

    private sealed record Graded(string Verdict, string Mistake, string Message);

    [Fact]
    public void Cases_AreWellFormed()
    {
        var cases = ReadCases();
        Assert.Equal(cases.Count, cases.Select(c => c.Id).Distinct().Count());
        var exercises = Directory.GetFiles(Path.Combine(CliRunner.RepoRoot, "tests", "SharpGrad.Tests", "Explain", "Exercises"), "teacher-*.grad");
        Assert.Equal(21, exercises.Length);
        foreach (var exercise in exercises)
        {
            var name = Path.GetFileName(exercise);
            var own = cases.Where(c => Path.GetFileName(c.Program) == name).ToList();
            Assert.True(own.Count >= 8, $"{name} has {own.Count} grading cases");
            Assert.Contains(own, c => c.Teacher == "correct");
            Assert.Contains(own, c => c.Teacher == "incorrect");
        }
        foreach (var c in cases)
        {
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Cases)!, c.Program)), $"{c.Id}: {c.Program} does not exist");
            Assert.Contains(c.Teacher, new[] { "correct", "incorrect" });
            Assert.True(Enum.TryParse<CheckMistake>(c.Mistake, out var mistake), $"{c.Id}: '{c.Mistake}' is not a CheckMistake");
            Assert.Equal(c.Teacher == "correct", mistake == CheckMistake.None);
        }
        Assert.All(KnownDisagreements.Keys.Concat(KnownMisnamed.Keys), id => Assert.Contains(cases, c => c.Id == id));
    }

    [Fact]
    public void EveryVerdictThatAgreesWithTheTeacher_KeepsAgreeing()
    {
        var cases = ReadCases();
        var graded = GradeAll();
        var regressions = cases
            .Where(c => !KnownDisagreements.ContainsKey(c.Id) && graded[c.Id].Verdict != c.Teacher)
            .Select(c => $"{c.Id} ({c.Wrt}: {c.Expression}): teacher {c.Teacher}, check {graded[c.Id].Verdict} {graded[c.Id].Mistake} {graded[c.Id].Message}")
            .ToList();
        Assert.True(regressions.Count == 0, "graded otherwise than the teacher:\n" + string.Join("\n", regressions));
        // No wrong answer is accepted today; a known disagreement may only be a right answer rejected or one not gradable.
        Assert.DoesNotContain(cases, c => c.Teacher == "incorrect" && graded[c.Id].Verdict == "correct");
    }

    [Fact]
    public void EveryMistakeClassNamedAsTheTeacherNamesIt_KeepsItsName()
    {
        var cases = ReadCases();
        var graded = GradeAll();
        var regressions = cases
            .Where(c => c.Teacher == "incorrect" && !KnownDisagreements.ContainsKey(c.Id) && !KnownMisnamed.ContainsKey(c.Id) && graded[c.Id].Mistake != c.Mistake)
            .Select(c => $"{c.Id} ({c.Wrt}: {c.Expression}): teacher {c.Mistake}, check {graded[c.Id].Mistake} {graded[c.Id].Message}")
            .ToList();
        Assert.True(regressions.Count == 0, "mistake class no longer named as the teacher names it:\n" + string.Join("\n", regressions));
    }

    private static List<Case> ReadCases()
    {
        var records = CsvRecords(File.ReadAllText(Cases, Encoding.UTF8));
        var header = records[0];
        int Col(string name) => header.IndexOf(name) is var i and >= 0 ? i : throw new InvalidOperationException($"teacher-cases.csv has no column {name}");
        return records.Skip(1).Select(r => new Case(r[Col("id")], r[Col("program")], r[Col("wrt")], r[Col("expression")], r[Col("teacher")], r[Col("mistake")])).ToList();
    }

    private static readonly Lazy<Dictionary<string, Graded>> Graded_ = new(Grade);

    private static Dictionary<string, Graded> GradeAll() => Graded_.Value;

    /// <summary>Grades every case with one check --batch run (shared by the tests) and reads its JSON report.</summary>
    private static Dictionary<string, Graded> Grade()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-teacher-").FullName;
        try
        {
            var report = Path.Combine(dir, "report.json");
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", Cases, "--report", report);
            Assert.True(code == 0, $"check --batch exit {code}: {stderr}");
            using var doc = JsonDocument.Parse(File.ReadAllText(report));
            var graded = new Dictionary<string, Graded>(StringComparer.Ordinal);
            foreach (var row in doc.RootElement.EnumerateArray())
            {
                var id = row.GetProperty("id").GetString()!;
                var result = row.GetProperty("result");
                graded[id] = result.ValueKind == JsonValueKind.Null
                    ? new Graded("error", "", row.GetProperty("error").GetString() ?? "")
                    : new Graded(result.GetProperty("verdict").GetString()!.ToLowerInvariant(), result.GetProperty("mistake").GetString() ?? "",
                        result.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString()! : "");
            }
            return graded;
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>RFC 4180 records (quoted fields may hold commas and doubled quotes).</summary>
    private static List<List<string>> CsvRecords(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                if (record.Count > 1 || record[0].Length > 0) records.Add(record);
                record = [];
            }
            else if (c != '\r') field.Append(c);
        }
        if (field.Length > 0 || record.Count > 0) { record.Add(field.ToString()); records.Add(record); }
        return records;
    }
}
