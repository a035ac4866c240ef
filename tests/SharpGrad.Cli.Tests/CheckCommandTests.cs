using System.Text.Json;

namespace SharpGrad.Cli.Tests;

[Collection(ConsoleCollection.Name)]
public class CheckCommandTests
{
    [Fact]
    public void ABatchThatIsNotUtf8_IsRefusedAtItsByte()
    {
        var batch = Path.Combine(Path.GetTempPath(), $"sharpgrad-batch-{Guid.NewGuid():N}.csv");
        var report = batch + ".report.csv";
        // "café" in Latin-1: é is the one byte 0xE9, which UTF-8 cannot start a character with.
        File.WriteAllBytes(batch, [.. System.Text.Encoding.ASCII.GetBytes("id,program,wrt,expression\ncaf"), 0xE9, .. System.Text.Encoding.ASCII.GetBytes($",{CliRunner.Example("e1.grad")},w1,1\n")]);
        try
        {
            var (code, _, stderr) = CliRunner.Run("check", "--batch", batch, "--report", report);
            Assert.Equal(2, code);
            // Said as the batch's other mistakes are, after --batch and the file's name.
            Assert.Equal($"error: --batch {batch}: line 2, column 4: the file is not valid UTF-8 here (byte 0xE9); save it as UTF-8\n", stderr);
            Assert.False(File.Exists(report));
        }
        finally
        {
            File.Delete(batch);
        }
    }

    [Fact]
    public void Correct_IsExit0()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "n4", "--expr", "dE/dn6 * dn6/dn4");
        Assert.Equal(0, code);
        Assert.StartsWith("correct: dE/dn6 * dn6/dn4 equals ∂E/∂n4", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Incorrect_IsExit1_WithCounterexampleAndDiagnostic()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e2.grad"), "--wrt", "n1", "--expr",
            "(dE/dn6 * dn6/dn3 + dE/dn8 * dn8/dn3) * dn3/dn1");
        Assert.Equal(1, code);
        Assert.Contains("incorrect:", stdout);
        Assert.Contains("counterexample: x1 = (0.5, −1)", stdout);
        Assert.Contains("true ∂E/∂n1 = ", stdout);
        Assert.Contains("the path through n7, n5 is missing", stdout);
    }

    [Fact]
    public void Transposed_IsExit1()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "W2", "--expr", "h1 ⊗ dJ/da2");
        Assert.Equal(1, code);
        Assert.Contains("your expression = [[0, −18], [0, 0]]", stdout);
        Assert.Contains("true ∂J/∂W2 = [[0, 0], [−18, 0]]", stdout);
    }

    [Fact]
    public void Set_ChangesThePoint()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e7.grad"), "--wrt", "x1", "--expr", "sigmoid'(x1)", "--set", "x1=0");
        Assert.Equal(0, code);
        Assert.Contains("your expression = 0.25", stdout);
    }

    [Fact]
    public void BadExpression_IsExit2WithColumn()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "n4", "--expr", "dE/dn6 +* 2");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--expr column 9:", stderr);
    }

    [Fact]
    public void Errors_WithJson_AreAlsoOneJsonObjectOnStdout()
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "n4", "--expr", "dE/dn6 +* 2", "--json");
        Assert.Equal(2, code);
        Assert.Contains("--expr column 9:", stderr);
        using (var doc = JsonDocument.Parse(stdout))
            Assert.StartsWith("--expr column 9:", doc.RootElement.GetProperty("error").GetString());
        // A program's error carries its place.
        (code, stdout, _) = CliRunner.Run("grad", CliRunner.Example("e6-vector.grad"), "--json");
        Assert.Equal(2, code);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal((5, 7), (doc.RootElement.GetProperty("line").GetInt32(), doc.RootElement.GetProperty("column").GetInt32()));
            Assert.StartsWith("input x has no value", doc.RootElement.GetProperty("error").GetString());
        }
        // One that has no place in the text (a --set of an unknown name) has no line or column: null, not 0.
        (code, stdout, _) = CliRunner.Run("grad", CliRunner.Example("e9.grad"), "--json", "--set", "nosuch=1");
        Assert.Equal(2, code);
        using (var doc = JsonDocument.Parse(stdout))
        {
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("line").ValueKind);
            Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("column").ValueKind);
            Assert.StartsWith("--set nosuch:", doc.RootElement.GetProperty("error").GetString());
        }
    }

    [Fact]
    public void ProgramError_IsExit2WithFileLineColumn()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.grad");
        File.WriteAllText(path, "input x = 1\ny = x +\n");
        try
        {
            var (code, _, stderr) = CliRunner.Run("check", path, "--wrt", "x", "--expr", "1");
            Assert.Equal(2, code);
            Assert.Contains($"{path}:2:", stderr);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void UnknownWrt_IsExit2()
    {
        var (code, _, stderr) = CliRunner.Run("check", CliRunner.Example("e1.grad"), "--wrt", "nope", "--expr", "1");
        Assert.Equal(2, code);
        Assert.Contains("nope", stderr);
    }

    [Fact]
    public void Value_IsANumericAnswer()
    {
        // e9: ŷ = 3, y = 6, so ∂J/∂ŷ = −2(y − ŷ) = −6.
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "yhat", "--value", "-6");
        Assert.Equal(0, code);
        Assert.StartsWith("correct: -6 equals ∂J/∂yhat at the given values", stdout);
        var (wrong, text, _) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "yhat", "--value", "6");
        Assert.Equal(1, wrong);
        Assert.Contains("the sign is flipped", text);
        var (both, _, stderr) = CliRunner.Run("check", CliRunner.Example("e9.grad"), "--wrt", "yhat", "--value", "6", "--expr", "6");
        Assert.Equal(2, both);
        Assert.Contains("exactly one of --expr EXPRESSION and --value NUMBER", stderr);
    }

    [Fact]
    public void Json_IsOneObject()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e8.grad"), "--wrt", "beta", "--expr", "dE/dy", "--json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("incorrect", root.GetProperty("verdict").GetString());
        Assert.Equal("MissingSum", root.GetProperty("mistake").GetString());
        Assert.Equal(1.6, root.GetProperty("true").GetDouble(), 12);
        Assert.Equal(4, root.GetProperty("student").GetArrayLength());
        Assert.Equal(0.5, root.GetProperty("point").GetProperty("beta").GetDouble());
    }

    [Fact]
    public void Set_IsHeldAtEveryPoint()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e11.grad"), "--wrt", "w", "--set", "p=2", "--expr", "2*(w - t) + 2*alpha*w");
        Assert.Equal(0, code);
        Assert.Contains("held fixed: p (--set)", stdout);
    }

    [Fact]
    public void NotFinite_IsReported()
    {
        var (code, stdout, _) = CliRunner.Run("check", CliRunner.Example("e11.grad"), "--wrt", "w", "--set", "w=[0.5,2,1.5]",
            "--expr", "2*(w-t) + alpha*p*w^(p-1) + 100*I[w < 0]");
        Assert.Equal(1, code);
        Assert.Contains("your expression is NaN at this point", stdout);
    }

    [Fact]
    public void Batch_ARowAfterAQuotedLineBreak_IsNamedByItsOwnLine()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e1.grad"), Path.Combine(dir, "e1.grad"));
            var input = Path.Combine(dir, "submissions.csv");
            // The second row's expression spans lines 3 to 5; the third row, without an expression, is on line 6.
            File.WriteAllText(input, "id,program,wrt,expression\n1,e1.grad,n4,dE/dn4\n2,e1.grad,n4,\"dE/dn6\n*\ndn6/dn4\"\n3,e1.grad,n4\n");
            var report = Path.Combine(dir, "report.csv");
            var (code, _, stderr) = CliRunner.Run("check", "--batch", input, "--report", report);
            Assert.Equal("", stderr);
            Assert.Equal(0, code);
            Assert.EndsWith("3,e1.grad,n4,,error,,line 6: no expression", File.ReadAllText(report).TrimEnd('\n'));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("csv")]
    [InlineData("json")]
    public void Batch_GradesEverySubmissionIntoOneReport(string format)
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e1.grad"), Path.Combine(dir, "e1.grad"));
            File.Copy(CliRunner.Example("e8.grad"), Path.Combine(dir, "e8.grad"));
            var input = Path.Combine(dir, "submissions.csv");
            File.WriteAllText(input,
                "id,program,wrt,expression\n" +
                "ann,e1.grad,n4,dE/dn6 * dn6/dn4\n" +
                "bob,e8.grad,beta,dE/dy\n" +
                "cy,e1.grad,n4,\"max(dE/dn6, 0) * dn6/dn4 +\"\n" +
                "dee,missing.grad,x,1\n");
            var report = Path.Combine(dir, "report." + format);
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", input, "--report", report);
            Assert.Equal("", stderr);
            Assert.Equal(0, code);
            Assert.Contains("graded 4 submissions: 1 correct, 1 incorrect, 2 not gradable", stdout);
            var text = File.ReadAllText(report);
            if (format == "csv")
            {
                var lines = text.TrimEnd('\n').Split('\n');
                Assert.Equal("id,program,wrt,expression,verdict,mistake,message", lines[0]);
                Assert.StartsWith("ann,e1.grad,n4,dE/dn6 * dn6/dn4,correct,None,", lines[1]);
                Assert.StartsWith("bob,e8.grad,beta,dE/dy,incorrect,MissingSum,\"your expression is [4], ∂E/∂beta is scalar", lines[2]);
                Assert.Contains(",error,,", lines[3]);
                Assert.Contains("expression column", lines[3]);
                Assert.DoesNotContain("--expr", lines[3]);
                Assert.Contains(",error,,", lines[4]);
            }
            else
            {
                using var doc = JsonDocument.Parse(text);
                var rows = doc.RootElement.EnumerateArray().ToArray();
                Assert.Equal(4, rows.Length);
                Assert.Equal("correct", rows[0].GetProperty("result").GetProperty("verdict").GetString());
                Assert.Equal("MissingSum", rows[1].GetProperty("result").GetProperty("mistake").GetString());
                Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("result").ValueKind);
                Assert.StartsWith("expression column", rows[2].GetProperty("error").GetString());
            }

            // The same submissions as JSON in.
            var jsonInput = Path.Combine(dir, "submissions.json");
            File.WriteAllText(jsonInput, "[{\"id\": \"ann\", \"program\": \"e1.grad\", \"wrt\": \"n4\", \"expression\": \"dE/dn6 * dn6/dn4\"}]");
            var (jsonCode, jsonOut, _) = CliRunner.Run("check", "--batch", jsonInput, "--report", report);
            Assert.Equal(0, jsonCode);
            Assert.Contains("graded 1 submissions: 1 correct", jsonOut);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("--batch", "nope.csv", "--report", "r.csv", "does not exist")]
    [InlineData("--batch", "x.csv", "", "", "--batch needs --report")]
    // Options that grade one submission would be ignored by a batch: refused, not silently dropped.
    [InlineData("--batch", "x.csv", "--report", "r.csv", "give no --set, --of or --json", "--set", "x=5")]
    [InlineData("--batch", "x.csv", "--report", "r.csv", "give no --set, --of or --json", "--json")]
    [InlineData("--batch", "x.csv", "--report", "r.csv", "give no --set, --of or --json", "--of", "J")]
    public void Batch_BadInput_IsExit2(string a, string b, string c, string d, string message, params string[] more)
    {
        var args = new[] { "check", a, b, c, d }.Concat(more).Where(s => s.Length > 0).ToArray();
        var (code, _, stderr) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Batch_ReportNamingTheSubmissions_IsRefusedAndTheFileKept()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e1.grad"), Path.Combine(dir, "e1.grad"));
            var input = Path.Combine(dir, "subs.csv");
            const string submissions = "id,program,wrt,expression\nann,e1.grad,n4,dE/dn6 * dn6/dn4\n";
            File.WriteAllText(input, submissions);
            // The same file, by the same name and by another spelling of its path.
            foreach (var report in new[] { input, Path.Combine(dir, ".", "sub", "..", "subs.csv") })
            {
                var (code, stdout, stderr) = CliRunner.Run("check", "--batch", input, "--report", report);
                Assert.Equal(2, code);
                Assert.Equal("", stdout);
                Assert.Equal($"error: --report: '{report}' is the --batch file; the report would overwrite the submissions. Give another name.\n", stderr);
                Assert.Equal(submissions, File.ReadAllText(input));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("subs.json", "[{\"program\": ", "not valid JSON at line 1, column 14: the file ends before the JSON is complete (a bracket, brace or string is not closed, or a value is missing).")]
    [InlineData("subs.json", "[\n  {\"program\": \"e1.grad\" \"wrt\": \"n4\"}\n]", "not valid JSON at line 2, column 25: unexpected '\"'.")]
    [InlineData("subs.json", "[{\"wrt\": \"é\", x}]", "not valid JSON at line 1, column 15: unexpected 'x'.")]
    [InlineData("subs.csv", "id,program,wrt,expression\n1,p.grad,x,\"2*x\n2,p.grad,x,1\n", "the quoted field opened at line 2, column 12 is not closed")]
    [InlineData("subs.csv", "id,program,wrt,wrt,expression\n1,p.grad,x,y,2*x\n", "the header names the column 'wrt' twice")]
    // Columns separated by semicolons: the message shows the header as read, not only the columns expected.
    [InlineData("subs.csv", "id;program;wrt;expression\n1;p.grad;x;2*x\n", "the header has no column 'program'; it reads 'id;program;wrt;expression', and the columns are id, program, wrt, expression and of, separated by commas")]
    // Cut off after a comma: the file is what ends, not the comma that is wrong.
    [InlineData("subs.json", "[{\"id\":\"a\",\"program\":\"e9.grad\",", "not valid JSON at line 1, column 31: the file ends before the JSON is complete (a bracket, brace or string is not closed, or a value is missing).")]
    [InlineData("subs.json", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "not valid JSON at line 1, column 65: nested deeper than 64 levels; a batch is an array of flat objects.")]
    // A quote inside an unquoted field, or text after a closing quote, is refused at its place, not dropped or kept.
    [InlineData("subs.csv", "id,program,wrt,expression\na,e9.grad,W3,h2\"x\"\n", "line 2, column 16: a quote in the middle of a field; quote the whole field and double each quote inside it (\"h2\"\"x\"\"\")")]
    [InlineData("subs.csv", "id,program,wrt,expression\na,e9.grad,W3,\"h2\"x\n", "line 2, column 18: a quote in the middle of a field; quote the whole field and double each quote inside it (\"h2\"\"x\"\"\")")]
    // An unclosed quote swallows the next line up to its first quote: the quote that opened is what to fix.
    [InlineData("subs.csv", "id,program,wrt,expression\n8,e9.grad,W3,\"unterminated\n9,e9.grad,W3,\"-2*h2\"\n", "the quoted field opened at line 2, column 14 runs on to line 3, where text follows its closing quote (column 15); is its closing quote missing on line 2?")]
    public void Batch_MalformedFile_SaysWhereAndWhat_InPlainWords(string name, string content, string expected)
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            var input = Path.Combine(dir, name);
            File.WriteAllText(input, content);
            var (code, _, stderr) = CliRunner.Run("check", "--batch", input, "--report", Path.Combine(dir, "r.csv"));
            Assert.Equal(2, code);
            // Lines and columns counted from 1, in words rather than System.Text.Json's LineNumber and BytePositionInLine.
            Assert.Equal($"error: --batch {input}: {expected}\n", stderr);
            Assert.DoesNotContain("LineNumber", stderr);
            Assert.False(File.Exists(Path.Combine(dir, "r.csv")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batch_RowsThatCannotBeRead_AreThatRowsError_OrSayWhichSubmission()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e9.grad"), Path.Combine(dir, "e9.grad"));
            // A NUL in one row's program is that row's error; a line of blanks is skipped like an empty line.
            var csv = Path.Combine(dir, "subs.csv");
            // A row without a wrt is that row's error too.
            File.WriteAllText(csv, "id,program,wrt,expression\n1,e9.grad\0x,x,-6\n   ,  , ,\n2,e9.grad,x,-6\n3,e9.grad,,-6\n");
            var report = Path.Combine(dir, "r.csv");
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", csv, "--report", report);
            Assert.True(code == 0, stderr);
            Assert.Contains("graded 3 submissions: 1 correct, 0 incorrect, 2 not gradable", stdout);
            Assert.Contains("error,,program: the path holds a NUL character", File.ReadAllText(report));
            Assert.Contains("error,,line 5: no wrt", File.ReadAllText(report));

            // Half a surrogate pair in a JSON string is said as such, at its submission.
            var json = Path.Combine(dir, "subs.json");
            File.WriteAllText(json, "[{\"id\": \"\\ud800\", \"program\": \"e9.grad\", \"wrt\": \"x\", \"expression\": \"-6\"}]");
            (code, _, stderr) = CliRunner.Run("check", "--batch", json, "--report", report);
            Assert.Equal(2, code);
            Assert.Equal($"error: --batch {json}, submission 1: the field 'id' is not text (it holds half of a UTF-16 surrogate pair)\n", stderr);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batch_RepeatedIds_AreGraded_WithANoteThatNamesThem()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e9.grad"), Path.Combine(dir, "e9.grad"));
            // e9: ∂J/∂yhat = −6 at the given values (the spec's worked example), so −6 is right and 6 wrong.
            var csv = Path.Combine(dir, "subs.csv");
            File.WriteAllText(csv, "id,program,wrt,expression\na,e9.grad,yhat,-6\na,e9.grad,yhat,6\nb,e9.grad,yhat,-6\n");
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", csv, "--report", Path.Combine(dir, "r.csv"));
            Assert.True(code == 0, stderr);
            Assert.Contains("graded 3 submissions: 2 correct, 1 incorrect, 0 not gradable", stdout);
            Assert.Contains("note: an id stands on more than one submission, so only their order tells their report rows apart: 'a' (2 times)", stdout);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batch_CsvTypedByHand_SpacesAreNoPartOfAField_AndAnUnquotedCommaIsThatRowsError()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e9.grad"), Path.Combine(dir, "e9.grad"));
            // e9: ∂J/∂yhat = −2(y − ŷ) = −6 at the given values, as the spec's worked example has it.
            var csv = Path.Combine(dir, "subs.csv");
            File.WriteAllText(csv, "id, program, wrt, expression\na, e9.grad, yhat, \"-2*(y - yhat) + 0*max(y, yhat)\"\nb, e9.grad, yhat, -2*(y - yhat) + 0*max(y, yhat)\n");
            var report = Path.Combine(dir, "r.csv");
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", csv, "--report", report);
            Assert.True(code == 0, stderr);
            Assert.Contains("graded 2 submissions: 1 correct, 0 incorrect, 1 not gradable", stdout);
            var rows = File.ReadAllLines(report);
            Assert.StartsWith("a,e9.grad,yhat,\"-2*(y - yhat) + 0*max(y, yhat)\",correct,", rows[1]);
            Assert.EndsWith("\"line 3: 5 fields, but the header names 4 columns; quote a field that holds a comma (\"\"max(a, b)\"\")\"", rows[2]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batch_JsonFieldsOfTheWrongKind_AreThatSubmissionsError_AndAWrongValueGivesBothValues()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            File.Copy(CliRunner.Example("e9.grad"), Path.Combine(dir, "e9.grad"));
            // An id and a numeric answer may be JSON numbers; a wrt that is an object, or a submission that is
            // not an object, is that submission's error, not a field read as its JSON text. ∂J/∂x = −6 (spec E9).
            var json = Path.Combine(dir, "subs.json");
            File.WriteAllText(json, """
                [{"id": 7, "program": "e9.grad", "wrt": "x", "expression": -6},
                 {"program": "e9.grad", "wrt": "x", "expression": 5},
                 {"program": "e9.grad", "wrt": {"name": "x"}, "expression": "-6"},
                 {"program": "e9.grad", "wrt": "x", "expression": true},
                 "e9.grad",
                 {"program": "e9.grad", "wrt": "x", "expression": "-6", "wrt": "W1"}]
                """);
            var report = Path.Combine(dir, "r.csv");
            var (code, stdout, stderr) = CliRunner.Run("check", "--batch", json, "--report", report);
            Assert.True(code == 0, stderr);
            Assert.Contains("graded 6 submissions: 1 correct, 1 incorrect, 4 not gradable", stdout);
            var lines = File.ReadAllLines(report);
            Assert.Equal("7,e9.grad,x,-6,correct,None,", lines[1]);
            Assert.Equal("2,e9.grad,x,5,incorrect,Value,5 is not ∂J/∂x; your expression = 5; true ∂J/∂x = −6", lines[2]);
            Assert.Equal("3,e9.grad,,,error,,\"submission 3: the field 'wrt' must be a string, not an object\"", lines[3]);
            Assert.Equal("4,e9.grad,x,,error,,\"submission 4: the field 'expression' must be a string, not true or false\"", lines[4]);
            Assert.StartsWith("5,,,,error,,\"submission 5: expected an object", lines[5]);
            Assert.Equal("6,,,,error,,submission 6: the field 'wrt' is given twice", lines[6]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Batch_PathsThatCannotBeUsed_SayWhy()
    {
        var dir = Directory.CreateTempSubdirectory("sharpgrad-batch-").FullName;
        try
        {
            var input = Path.Combine(dir, "subs.csv");
            File.WriteAllText(input, "id,program,wrt,expression\nann,missing.grad,n4,1\n");

            var folder = Path.Combine(dir, "folder.csv");
            Directory.CreateDirectory(folder);
            var (code, _, stderr) = CliRunner.Run("check", "--batch", folder, "--report", Path.Combine(dir, "r.csv"));
            Assert.Equal(2, code);
            Assert.Equal($"error: --batch: '{folder}' is a folder; give a file name.\n", stderr);

            var missing = Path.Combine(dir, "nope", "r.csv");
            (code, _, stderr) = CliRunner.Run("check", "--batch", input, "--report", missing);
            Assert.Equal(2, code);
            Assert.Equal($"error: --report: cannot write '{missing}' because the folder '{Path.Combine(dir, "nope")}' does not exist.\n", stderr);

            if (Directory.Exists("/proc/self"))   // Linux: no regular file can be created in /proc
            {
                (code, _, stderr) = CliRunner.Run("check", "--batch", input, "--report", "/proc/r.csv");
                Assert.Equal(2, code);
                Assert.Equal("error: --report: cannot write '/proc/r.csv': no file can be created in the folder '/proc'.\n", stderr);
            }

            // A program that is not there is that submission's error, in words, not .NET's "Could not find file".
            var report = Path.Combine(dir, "r.csv");
            (code, _, stderr) = CliRunner.Run("check", "--batch", input, "--report", report);
            Assert.Equal(0, code);
            Assert.Equal("", stderr);
            Assert.EndsWith($",error,,{Path.Combine(dir, "missing.grad")}: no such file\n", File.ReadAllText(report));
            Assert.DoesNotContain(".tmp", string.Join(" ", Directory.GetFiles(dir)));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
