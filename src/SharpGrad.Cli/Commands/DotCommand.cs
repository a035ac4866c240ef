using System.CommandLine;
using System.Diagnostics;
using SharpGrad.Explain;
using SharpGrad.IO;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad dot FILE [--of NAME] [--set NAME=VALUE]... [--png OUT | --json]</c>: the graph with every
/// value and gradient as Graphviz DOT text (see <see cref="GraphDot"/>), rendered to a PNG by
/// Graphviz's <c>dot</c>, or as JSON data (<see cref="ExplainJson.Graph"/>). The environment variable SHARPGRAD_DOT names the <c>dot</c> executable
/// to use instead of searching PATH (tests use it to simulate a missing Graphviz). A failure of
/// <c>dot</c> itself (a non-zero exit, no PNG written, its input not read, no result within
/// <see cref="Timeout"/>) is one line "error: dot failed ..." and exit code 2, and leaves no file.
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
            if (evaluation.NonFiniteWarning("the gradients in the graph") is { } warning) Console.Error.WriteLine(warning);
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
            CliPaths.NotAnInput("--png", output, parse.GetValue(file)!, "the program; the picture would overwrite it");
            return Render(text, output);
        });
        return command;
    }

    /// <summary>
    /// How long <c>dot</c> may take before it is stopped. Graphviz lays out a graph of this size in well
    /// under a second; a <c>dot</c> that runs for a minute is stuck (or waiting for input it will never get).
    /// Tests shorten it.
    /// </summary>
    internal static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    private static int Render(string text, string output)
    {
        // The same rule as every other file the commands write (AtomicFile): a missing folder, or one that
        // takes no files, is the user's to fix, and the message names it, never the temporary file.
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
            // A dot named by SHARPGRAD_DOT that cannot be run is that setting's mistake, not a missing Graphviz.
            var why = Directory.Exists(executable) ? "it is a folder" : File.Exists(executable) ? "the file is not executable; chmod +x it" : "no such executable file";
            Console.Error.WriteLine(executable != "dot" ? $"error: SHARPGRAD_DOT names '{executable}', which cannot be run ({why}); fix or unset SHARPGRAD_DOT" : NotFound);
            return ExplainCli.UsageError;
        }
        try
        {
            string? failure;
            using (process)
                failure = RunDot(process, text, temp, full);
            if (failure is not null)
            {
                Console.Error.WriteLine($"error: dot failed {failure}");
                return ExplainCli.UsageError;
            }
            // Through the one writer of every output, which keeps a device a device and a link a link. The image is read
            // first: that writer clears the target's abandoned temporary files, and dot's, closed now, looks like one.
            var png = File.ReadAllBytes(temp);
            AtomicFile.Write(full, s => s.Write(png), "--png");
            Console.Out.WriteLine($"wrote {output}");
            return 0;
        }
        finally
        {
            try { File.Delete(temp); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Feeds <paramref name="text"/> to the started <c>dot</c> and waits for it, at most <see cref="Timeout"/>;
    /// returns null when it wrote the PNG to <paramref name="temp"/>, otherwise the rest of the sentence
    /// "dot failed ..." that says why. Its input, output and error streams are served on their own tasks so
    /// that a <c>dot</c> that stops reading, or writes a lot, cannot block us.
    /// </summary>
    private static string? RunDot(Process process, string text, string temp, string full)
    {
        var errors = process.StandardError.ReadToEndAsync();
        var discarded = process.StandardOutput.ReadToEndAsync();
        var feeding = Task.Run(() =>
        {
            try
            {
                process.StandardInput.Write(text);
                process.StandardInput.Close();
                return true;
            }
            catch (IOException)
            {
                return false; // a broken pipe: dot exited or closed its input before reading the whole graph
            }
        });
        if (!process.WaitForExit(Timeout))
        {
            try { process.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { } // it exited just now
            process.WaitForExit(TimeSpan.FromSeconds(5));
            return $"to finish within {Timeout.TotalSeconds:0.#} s and was stopped";
        }
        process.WaitForExit(); // the exit code and the end of its output streams
        bool fed = feeding.Wait(TimeSpan.FromSeconds(5)) && feeding.Result;
        var first = errors.Wait(TimeSpan.FromSeconds(5))
            ? (errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "").Replace(temp, full).Trim()
            : "";
        var detail = first.Length > 0 ? ": " + first : "";
        if (process.ExitCode != 0)
            return $"with exit code {process.ExitCode}{detail}";
        if (!fed)
            return $"to read the graph: it exited (code 0) before reading all of its input{detail}";
        if (!File.Exists(temp) || new FileInfo(temp).Length == 0)
            return $"to write the PNG: it exited with code 0 but wrote nothing{detail}";
        return null;
    }
}
