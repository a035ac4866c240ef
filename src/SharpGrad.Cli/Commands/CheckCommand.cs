using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad check FILE --wrt NAME (--expr "EXPRESSION" | --value NUMBER) [--of NAME] [--set NAME=VALUE]... [--json]</c>:
/// decides whether a hand-derived derivative is right (exit 0, "correct") or wrong (exit 1, "incorrect",
/// with a counterexample and, where possible, the class of mistake); see <see cref="DerivativeChecker"/>.
/// <c>sharpgrad check --batch SUBMISSIONS --report REPORT</c> grades a CSV or JSON file of submissions
/// (program, wrt, expression, optional id and of) into one CSV or JSON report (exit 0 once written).
/// </summary>
internal static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        file.Arity = ArgumentArity.ZeroOrOne;
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var wrt = new Option<string>("--wrt") { Description = "The node the derivative is with respect to." };
        var expr = new Option<string>("--expr") { Description = "The hand-derived derivative, in the program's names, e.g. \"dE/dn6 * dn6/dn4\" or \"relu'(g1) * x\"; without names it is a numeric answer." };
        var value = new Option<string>("--value") { Description = "A numeric answer (a number or an array literal), compared with the derivative at the program's values (with --set)." };
        var json = new Option<bool>("--json") { Description = "Print the result as one JSON object." };
        var batch = new Option<string>("--batch") { Description = "A .csv or .json file of submissions (columns or fields: id, program, wrt, expression, of), graded into --report." };
        var report = new Option<string>("--report") { Description = "With --batch: the report to write, .csv or .json." };
        var command = new Command("check", "Decide whether a hand-derived derivative equals the true one.");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { wrt, expr, value, of, set, json, batch, report }) command.Options.Add(option);
        command.Action = ExplainCli.Action(parse =>
        {
            if (parse.GetValue(batch) is { } submissions)
            {
                if (parse.GetValue(file) is not null || parse.GetValue(wrt) is not null || parse.GetValue(expr) is not null || parse.GetValue(value) is not null)
                    throw new ArgumentException("--batch takes the programs, --wrt and expressions from its file; give no FILE, --wrt, --expr or --value with it.");
                // Each submission is graded at its program's own values against its own objective, in the report's format.
                if (parse.GetValue(of) is not null || parse.GetValue(set) is { Length: > 0 } || parse.GetValue(json))
                    throw new ArgumentException("--batch grades each submission at its program's own values (an 'of' column names another objective) and writes the format of --report; give no --set, --of or --json with it.");
                return Batch(submissions, parse.GetValue(report) ?? throw new ArgumentException("--batch needs --report FILE.csv or FILE.json for the results."));
            }
            if (parse.GetValue(report) is not null) throw new ArgumentException("--report goes with --batch.");
            var path = parse.GetValue(file) ?? throw new ArgumentException("check needs a .grad FILE (or --batch).");
            var name = parse.GetValue(wrt) ?? throw new ArgumentException("check needs --wrt NAME.");
            var program = GradProgram.Load(path);
            var overrides = ExplainCli.ParseSets(parse.GetValue(set));
            var (e, v) = (parse.GetValue(expr), parse.GetValue(value));
            if ((e is null) == (v is null)) throw new ArgumentException("check needs exactly one of --expr EXPRESSION and --value NUMBER.");
            CheckResult result;
            if (v is not null)
            {
                try
                {
                    result = DerivativeChecker.CheckValue(program, name, v, parse.GetValue(of), overrides);
                }
                catch (GradProgramException ex)
                {
                    throw new ArgumentException($"--value: {ex.Reason} (at character {ex.Column} of '{v}').");
                }
            }
            else
                result = DerivativeChecker.Check(program, name, e!, parse.GetValue(of), overrides);
            Console.Out.Write(parse.GetValue(json) ? result.ToJson() + "\n" : result.ToText());
            return result.IsCorrect ? 0 : 1;
        });
        return command;
    }

    /// <summary>One row of a batch; <paramref name="Problem"/> says what the row lacks, which makes it that row's error.</summary>
    private sealed record Submission(string Id, string Program, string Wrt, string Expression, string? Of, string? Problem = null);

    /// <summary>Grades every submission; a submission that cannot be graded (a bad program or expression) gets verdict "error" and its message.</summary>
    private static int Batch(string path, string reportPath)
    {
        bool jsonReport = reportPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        if (!jsonReport && !reportPath.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"--report: '{reportPath}' must end in .csv or .json.");
        CliPaths.NotAnInput("--report", reportPath, path, "the --batch file; the report would overwrite the submissions");
        var submissions = ReadSubmissions(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var s in submissions)
            if (s.Problem is null && !s.Program.Contains('\0'))
                CliPaths.NotAnInput("--report", reportPath, Path.Combine(folder, s.Program), $"the program of submission '{s.Id}'; the report would overwrite it");
        // Checked before grading, which may take a while: a report that cannot be written is said at once.
        CliPaths.CheckNewFile("--report", reportPath);
        var programs = new Dictionary<string, GradProgram>(StringComparer.Ordinal);
        var rows = new List<(Submission S, CheckResult? R, string? Error)>();
        foreach (var s in submissions)
        {
            try
            {
                if (s.Problem is not null) throw new ArgumentException(s.Problem);
                if (s.Program.Contains('\0')) throw new ArgumentException("program: the path holds a NUL character");
                var file = Path.Combine(folder, s.Program);
                if (!programs.TryGetValue(file, out var program)) programs[file] = program = GradProgram.Load(file);
                rows.Add((s, DerivativeChecker.Check(program, s.Wrt, s.Expression, s.Of), null));
            }
            catch (GradProgramException e)
            {
                rows.Add((s, null, e.Diagnostic));
            }
            catch (Exception e)
            {
                // One submission the checker cannot grade must not stop the others.
                rows.Add((s, null, e is ArgumentException or IOException or UnauthorizedAccessException ? InBatch(CliErrors.Describe(e)) : $"internal error ({e.GetType().Name}): {e.Message}"));
            }
        }
        var text = new StringBuilder();
        if (jsonReport)
        {
            text.Append("[\n");
            for (int i = 0; i < rows.Count; i++)
            {
                var (s, r, error) = rows[i];
                text.Append("  {\"id\": ").Append(JsonSerializer.Serialize(s.Id)).Append(", \"program\": ").Append(JsonSerializer.Serialize(s.Program)).Append(", \"result\": ")
                    .Append(r is null ? "null" : r.ToJson(indented: false)).Append(", \"error\": ").Append(error is null ? "null" : JsonSerializer.Serialize(error))
                    .Append(i + 1 < rows.Count ? "},\n" : "}\n");
            }
            text.Append("]\n");
        }
        else
        {
            text.Append("id,program,wrt,expression,verdict,mistake,message\n");
            foreach (var (s, r, error) in rows)
            {
                var verdict = r is null ? "error" : r.IsCorrect ? "correct" : "incorrect";
                var message = error ?? (r!.IsCorrect ? "" : Message(r));
                text.AppendJoin(',', new[] { s.Id, s.Program, s.Wrt, s.Expression, verdict, r?.Mistake.ToString() ?? "", message }.Select(Csv)).Append('\n');
            }
        }
        CliPaths.WriteText(reportPath, text.ToString(), "--report");
        int correct = rows.Count(r => r.R?.IsCorrect == true), errors = rows.Count(r => r.R is null);
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"graded {rows.Count} submissions: {correct} correct, {rows.Count - correct - errors} incorrect, {errors} not gradable; report in {reportPath}"));
        // Two submissions of one id give two report rows that only their order tells apart.
        var repeated = rows.GroupBy(r => r.S.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"'{g.Key}' ({g.Count()} times)").ToList();
        if (repeated.Count > 0)
            Console.Out.WriteLine($"note: {(repeated.Count == 1 ? "an id stands" : "ids stand")} on more than one submission, so only their order tells their report rows apart: {string.Join(", ", repeated.Take(10))}{(repeated.Count > 10 ? $" and {repeated.Count - 10} more" : "")}");
        return 0;
    }

    /// <summary>
    /// An incorrect result in one line: its reason and diagnostics, or, for a plain wrong value, the
    /// verdict line with the two values at the counterexample, as the text report gives them.
    /// </summary>
    private static string Message(CheckResult r)
    {
        if (r.Reason is not null || r.Diagnostics.Count > 0) return r.Reason ?? string.Join("; ", r.Diagnostics);
        var lines = r.ToText().Split('\n');
        return string.Join("; ", lines.Where(l => l.StartsWith("incorrect: ", StringComparison.Ordinal) || l.StartsWith("  your expression", StringComparison.Ordinal) || l.StartsWith("  true ", StringComparison.Ordinal))
            .Select(l => l.StartsWith("incorrect: ", StringComparison.Ordinal) ? l["incorrect: ".Length..] : l.Trim()));
    }

    /// <summary>A message about an option, said of the submission's field instead: a batch has no --expr, its rows have an expression.</summary>
    private static string InBatch(string message)
    {
        foreach (var (option, field) in new[] { ("--expr", "expression"), ("--wrt", "wrt"), ("--of", "of") })
            if (message.StartsWith(option + " ", StringComparison.Ordinal) || message.StartsWith(option + ":", StringComparison.Ordinal))
                return field + message[option.Length..];
        return message;
    }

    private static string Csv(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;

    /// <summary>The submissions of a .json array of objects or a .csv file with a header row.</summary>
    private static List<Submission> ReadSubmissions(string path)
    {
        CliPaths.CheckFile("--batch", path);
        if (!File.Exists(path)) throw new IOException($"--batch: '{path}' does not exist.");
        string text;
        try
        {
            text = GradProgram.ReadText(path, "a batch is a table or list of submissions");
        }
        catch (GradProgramException e)
        {
            // Bytes that are not UTF-8 are the batch file's mistake, said as every other one of it is.
            throw new ArgumentException($"--batch {path}: line {e.Line}, column {e.Column}: {e.Reason}");
        }
        var list = new List<Submission>();
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"--batch {path}: not valid JSON {JsonProblem(text, e)}.");
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new ArgumentException($"--batch {path}: expected an array of submissions [{{\"program\": ..., \"wrt\": ..., \"expression\": ...}}, ...]");
                int n = 0;
                foreach (var item in doc.RootElement.EnumerateArray())
                {
                    n++;
                    string? wrong = item.ValueKind != JsonValueKind.Object
                        ? $"submission {n}: expected an object {{\"program\": ..., \"wrt\": ..., \"expression\": ...}}, not {JsonKind(item)}"
                        // Two values of one field would leave one of them unread without a word.
                        : item.EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } repeated
                            ? $"submission {n}: the field '{repeated.Key}' is given twice" : null;
                    // An id or a numeric answer may be a JSON number; any other field must be a string.
                    string? Field(string key, bool number = false)
                    {
                        if (wrong is not null || !item.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
                        if (number && v.ValueKind == JsonValueKind.Number) return v.GetRawText();
                        if (v.ValueKind != JsonValueKind.String)
                        {
                            wrong = $"submission {n}: the field '{key}' must be a string, not {JsonKind(v)}";
                            return null;
                        }
                        try
                        {
                            return v.GetString();
                        }
                        catch (InvalidOperationException)
                        {
                            throw new ArgumentException($"--batch {path}, submission {n}: the field '{key}' is not text (it holds half of a UTF-16 surrogate pair)");
                        }
                    }
                    var submission = Make(Field("id", number: true), Field("program"), Field("wrt"), Field("expression", number: true) ?? Field("expr", number: true), Field("of"), $"submission {n}");
                    list.Add(wrong is null ? submission : submission with { Problem = wrong });
                }
            }
            return list;
        }
        if (!path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--batch: '{path}' must end in .csv or .json.");
        var records = CsvRecords(text, path);
        if (records.Count == 0) throw new ArgumentException($"--batch {path}: the file is empty; its first line names the columns: id,program,wrt,expression");
        var header = records[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
        // Two columns of one name would leave one of them unread without a word.
        if (header.Where(h => h.Length > 0).GroupBy(h => h).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"--batch {path}: the header names the column '{twice.Key}' twice");
        int Column(string name) => header.IndexOf(name);
        foreach (var required in new[] { "program", "wrt" })
            if (Column(required) < 0) throw new ArgumentException($"--batch {path}: the header has no column '{required}'; it reads {string.Join(", ", records[0].Fields.Select(f => $"'{f}'"))}, and the columns are id, program, wrt, expression and of, separated by commas");
        int exprColumn = Column("expression") >= 0 ? Column("expression") : Column("expr");
        if (exprColumn < 0) throw new ArgumentException($"--batch {path}: the header has no column 'expression'");
        for (int i = 1; i < records.Count; i++)
        {
            var r = records[i].Fields;
            if (r.All(f => f.Trim().Length == 0)) continue;   // a line of blanks, as an empty line
            // "a, e9.grad, W3" as typed by hand: the spaces after the commas are no part of a file name or an answer.
            string? At(int c) => c >= 0 && c < r.Count && r[c].Trim().Length > 0 ? r[c].Trim() : null;
            var submission = Make(At(Column("id")), At(Column("program")), At(Column("wrt")), At(exprColumn), At(Column("of")), $"line {records[i].Line}");
            // More fields than columns is an unquoted comma, which would cut an answer such as max(a, b) short without a word.
            list.Add(r.Count > header.Count && submission.Problem is null
                ? submission with { Problem = $"line {records[i].Line}: {r.Count} fields, but the header names {header.Count} columns; quote a field that holds a comma (\"max(a, b)\")" }
                : submission);
        }
        return list;

        // A row without a program, wrt or expression is that row's error; the other rows are graded.
        Submission Make(string? id, string? program, string? wrt, string? expression, string? of, string where) =>
            new(id ?? where.Split(' ')[^1], program ?? "", wrt ?? "", expression ?? "", of,
                program is null ? $"{where}: no program" : wrt is null ? $"{where}: no wrt" : expression is null ? $"{where}: no expression" : null);
    }

    private static string JsonKind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.String => "a string",
        _ => "null",
    };

    /// <summary>
    /// Where and, briefly, what the JSON mistake <paramref name="e"/> in <paramref name="text"/> is, in words
    /// rather than System.Text.Json's: "at line 3, column 14: ..." with both counted from 1 (the exception
    /// counts from 0, and counts the column in UTF-8 bytes).
    /// </summary>
    private static string JsonProblem(string text, JsonException e)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "(the file is empty; it should hold an array of submissions)";
        if (e.LineNumber is not { } line0)
            return "(the file cannot be read as JSON)";
        var lines = text.Split('\n');
        if (line0 >= lines.Length)
            return $"at line {line0 + 1}: the file ends before the JSON is complete";
        var lineText = lines[line0].TrimEnd('\r');
        var bytes = Encoding.UTF8.GetBytes(lineText);
        int byteColumn = (int)Math.Min(e.BytePositionInLine ?? 0, bytes.Length);
        int column = Encoding.UTF8.GetCharCount(bytes, 0, byteColumn);
        bool restIsBlank = lines.Skip((int)line0 + 1).All(string.IsNullOrWhiteSpace)
            // [{"id": "a", with nothing after the comma: the reader stops on the last mark, and the file is what ends.
            && (column >= lineText.Length || (lineText[column] is ',' or ':' or '[' or '{' && string.IsNullOrWhiteSpace(lineText[(column + 1)..])));
        string what;
        // 10 000 nested brackets are valid JSON but no list of submissions: say the limit, not the bracket it stopped at.
        if (e.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase))
            what = "nested deeper than 64 levels; a batch is an array of flat objects";
        else if (restIsBlank)
            what = "the file ends before the JSON is complete (a bracket, brace or string is not closed, or a value is missing)";
        else if (column < lineText.Length)
            what = $"unexpected '{lineText[column]}'";
        else
            what = "unexpected end of line";
        return $"at line {line0 + 1}, column {column + 1}: {what}";
    }

    /// <summary>RFC 4180 records with the line each starts on: fields separated by commas, quoted with "" for a quote; blank lines skipped.</summary>
    private static List<(int Line, List<string> Fields)> CsvRecords(string text, string path)
    {
        var records = new List<(int Line, List<string> Fields)>();
        var record = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, closed = false, any = false;
        int line = 1, openedLine = 1, openedColumn = 1, lineStart = 0, recordLine = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            // A quoted field may hold line breaks: a record is named by the line it starts on.
            if (!any && field.Length == 0 && record.Count == 0) recordLine = line;
            if (c == '\n' || (c == '\r' && (i + 1 >= text.Length || text[i + 1] != '\n'))) { line++; lineStart = i + 1; }
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else (quoted, closed) = (false, true);
                continue;
            }
            // h2"x" or "h2"x: a quote inside a field, or text after its closing quote, would be dropped or kept by guesswork.
            // Spaces around a quoted field (a, "max(a, b)") are the typist's, not the field's.
            if (closed && c is ' ' or '\t') continue;
            if ((c == '"' && !string.IsNullOrWhiteSpace(field.ToString())) || (closed && c is not (',' or '\n' or '\r')))
                // A quoted field that ran over lines before the stray text most likely lost its closing quote where it opened.
                throw new ArgumentException(closed && openedLine < line
                    ? $"--batch {path}: the quoted field opened at line {openedLine}, column {openedColumn} runs on to line {line}, where text follows its closing quote (column {i - lineStart + 1}); is its closing quote missing on line {openedLine}?"
                    : $"--batch {path}: line {line}, column {i - lineStart + 1}: a quote in the middle of a field; quote the whole field and double each quote inside it (\"h2\"\"x\"\"\")");
            closed = false;
            if (c == '"') { field.Clear(); quoted = true; any = true; (openedLine, openedColumn) = (line, i - lineStart + 1); }
            else if (c == ',') { record.Add(field.ToString()); field.Clear(); any = true; }
            else if (c is '\n' or '\r')
            {
                if (any || field.Length > 0) { record.Add(field.ToString()); records.Add((recordLine, record)); }
                record = [];
                field.Clear();
                any = false;
            }
            else { field.Append(c); any = true; }
        }
        if (quoted) throw new ArgumentException($"--batch {path}: the quoted field opened at line {openedLine}, column {openedColumn} is not closed");
        if (any || field.Length > 0) { record.Add(field.ToString()); records.Add((recordLine, record)); }
        return records;
    }
}
