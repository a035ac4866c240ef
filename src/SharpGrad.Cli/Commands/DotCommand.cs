using System.CommandLine;
using System.Diagnostics;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad dot FILE [--of NAME] [--set NAME=VALUE]... [--png OUT | --json]</c>: the graph with every
/// value and gradient as Graphviz DOT text (see <see cref="GraphDot"/>), rendered to a PNG by
/// Graphviz's <c>dot</c>, or as JSON data (<see cref="ExplainJson.Graph"/>). The environment variable SHARPGRAD_DOT names the <c>dot</c> executable
/// to use instead of searching PATH (tests use it to simulate a missing Graphviz). A failure of
/// <c>dot</c> itself on the text we gave it is exit code 70, as any other internal error.
/// </summary>
internal static class DotCommand
{
    /// <summary>The one-line message printed when Graphviz's <c>dot</c> cannot be started.</summary>
    public const string NotFound = "Graphviz's `dot` was not found; install it with `apt-get install graphviz` (Debian/Ubuntu) or from https://graphviz.org, or run without --png to get the DOT text";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var png = new Option<string?>("--png") { Description = "Render to this PNG file with Graphviz's dot instead of printing DOT text." };
        var json = ExplainCli.JsonOption();
        var command = new Command("dot", "Print the graph with each node's value and gradient as Graphviz DOT (or render it with --png).");
        command.Arguments.Add(file);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Options.Add(png);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            if (parse.GetValue(json) && parse.GetValue(png) is not null)
                throw new ArgumentException("--json and --png ask for two different outputs; give one.");
            var program = GradProgram.Load(parse.GetValue(file)!);
            var evaluation = program.Evaluate(ExplainCli.ParseSets(parse.GetValue(set)), parse.GetValue(of));
            if (parse.GetValue(json))
            {
                Console.Out.WriteLine(ExplainJson.Graph(evaluation));
                return 0;
            }
            var text = GraphDot.Write(evaluation);
            var output = parse.GetValue(png);
            if (output is null)
            {
                Console.Out.Write(text);
                return 0;
            }
            return Render(text, output);
        });
        return command;
    }

    private static int Render(string text, string output)
    {
        // The same rule as every other file the commands write (AtomicFile): a missing folder is
        // the user's to create, and the message names it, never the temporary file.
        CliPaths.CheckNewFile("--png", output);
        var executable = Environment.GetEnvironmentVariable("SHARPGRAD_DOT") is { Length: > 0 } configured ? configured : "dot";
        var full = Path.GetFullPath(output);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-Tpng");
        info.ArgumentList.Add("-o");
        info.ArgumentList.Add(temp);
        var process = ExternalTools.TryStart(info);
        if (process is null)
        {
            Console.Error.WriteLine(NotFound);
            return ExplainCli.UsageError;
        }
        try
        {
            using (process)
            {
                var errors = process.StandardError.ReadToEndAsync();
                process.StandardInput.Write(text);
                process.StandardInput.Close();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0 || !File.Exists(temp))
                {
                    var first = (errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "").Replace(temp, full);
                    Console.Error.WriteLine($"error: dot failed with exit code {process.ExitCode}{(first.Length > 0 ? ": " + first.Trim() : "")}");
                    return ExplainCli.InternalError;
                }
            }
            File.Move(temp, full, overwrite: true);
            Console.Out.WriteLine($"wrote {output}");
            return 0;
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
