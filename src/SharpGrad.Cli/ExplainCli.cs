using System.CommandLine;
using System.CommandLine.Invocation;
using SharpGrad.Explain;

namespace SharpGrad.Cli;

/// <summary>
/// What the explain commands (<c>grad</c>, <c>step</c>, and later <c>explain</c>, <c>check</c>, ...)
/// share: loading a program, parsing <c>--set NAME=VALUE</c>, and an action that turns every
/// mistake into one line on stderr and exit code 2: a program error as <c>FILE:LINE:COLUMN: message</c>,
/// a bad flag as <c>error: message</c>. A user never sees a stack trace.
/// </summary>
internal static class ExplainCli
{
    /// <summary>The exit code for a mistake in the program, its values or the flags.</summary>
    public const int UsageError = CliErrors.UsageError;

    /// <summary>
    /// The exit code for an unexpected failure (a bug), reported without a stack trace; never 1,
    /// which <c>check</c> gives to an incorrect derivative.
    /// </summary>
    public const int InternalError = CliErrors.InternalError;

    /// <summary>The <c>--set NAME=VALUE</c> option, repeatable.</summary>
    public static Option<string[]> SetOption() => new("--set")
    {
        Description = "Give a declaration a value, e.g. --set x=3 or --set \"W1=[[1], [-1]]\" (repeatable; replaces a value written in the program).",
        AllowMultipleArgumentsPerToken = false,
        DefaultValueFactory = _ => [],
    };

    /// <summary>The <c>--of NAME</c> option: the objective, by default the last assignment.</summary>
    public static Option<string?> OfOption() => new("--of")
    {
        Description = "The objective to differentiate (default: the program's last assignment).",
    };

    /// <summary>The <c>--json</c> option: one JSON object instead of text.</summary>
    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print one JSON object instead of text (formulas both as text that check --expr reads and as LaTeX).",
    };

    /// <summary>Refuses <c>--format</c> given beside <c>--json</c>: the JSON object holds the text and LaTeX forms, and the format would be ignored.</summary>
    public static void OneOutput(ParseResult parse, Option<bool> json, Option<string> format)
    {
        if (parse.GetValue(json) && parse.GetResult(format) is { Implicit: false })
            throw new ArgumentException("--json and --format ask for two different outputs (the JSON object holds both the text and the LaTeX forms); give one.");
    }

    /// <summary>The <c>--layout</c> option, shared by explain, shapes and step so that they agree on what a chain means.</summary>
    public static Option<string> LayoutOption(Layout defaultLayout) => new Option<string>("--layout")
    {
        Description = "How derivatives of vectors and matrices are laid out: gradient (∂J/∂x has x's shape, as CS231n), numerator, or denominator (the seed's).",
        DefaultValueFactory = _ => defaultLayout.Name(),
    }.OneOf([.. Layouts.Names]);

    /// <summary>The <c>--standalone</c> option: LaTeX as a complete document.</summary>
    public static Option<bool> StandaloneOption() => new("--standalone")
    {
        Description = "With --format latex, print a complete document (preamble with amsmath, \\allowdisplaybreaks) that compiles as it is.",
    };

    /// <summary>The FILE argument.</summary>
    public static Argument<string> FileArgument() => new("file")
    {
        Description = "The .grad program: named assignments such as \"y = relu(W @ x + b)\", one per line.",
    };

    /// <summary>Parses each <c>NAME=VALUE</c> (VALUE a number or an array literal) into a float64 tensor.</summary>
    public static Dictionary<string, Tensor> ParseSets(IEnumerable<string>? sets)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var item in sets ?? [])
        {
            int eq = item.IndexOf('=');
            if (eq <= 0)
                throw new ArgumentException($"--set expects NAME=VALUE, got '{item}'.");
            var name = item[..eq].Trim();
            var text = item[(eq + 1)..];
            if (result.ContainsKey(name))
                throw new ArgumentException($"--set gives '{name}' twice.");
            try
            {
                result[name] = GradProgram.ParseValue(text);
            }
            catch (GradProgramException e)
            {
                throw new ArgumentException($"--set {name}: {e.Reason} (at character {e.Column} of '{text}').");
            }
        }
        return result;
    }

    /// <summary>An action that reports flag errors itself (exit 2) and runs <paramref name="body"/> otherwise.</summary>
    public static CommandLineAction Action(Func<ParseResult, int> body) => new CommandAction(body);

    /// <summary>
    /// Runs a command body, mapping errors to messages and exit codes: a program error prints its
    /// diagnostic (FILE:LINE:COLUMN: message), an input or I/O error prints "error: message".
    /// </summary>
    /// <remarks>With <paramref name="json"/> (a command given --json), the error is also one JSON object on stdout,
    /// <c>{"error": message, "file", "line", "column"}</c>, so that a consumer reading stdout gets an answer it can parse.</remarks>
    public static int Run(Func<int> body, bool json = false)
    {
        try
        {
            return body();
        }
        catch (GradProgramException e)
        {
            Console.Error.WriteLine(e.Diagnostic);
            if (json)
                Console.Out.WriteLine(ExplainJson.Error(e));
            return UsageError;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"error: {CliErrors.Describe(e)}");
            if (json)
                Console.Out.WriteLine(ExplainJson.Error(CliErrors.Describe(e)));
            return UsageError;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"internal error ({e.GetType().Name}): {e.Message}");
            return InternalError;
        }
    }

    /// <summary>Whether the command has a --json option and the command line gives it (read before its value can be, as a usage mistake is said).</summary>
    public static bool AsksForJson(ParseResult parse) =>
        parse.CommandResult.Command.Options.Any(o => o.Name == "--json") && parse.Tokens.Any(t => t.Value == "--json");

    /// <summary>
    /// System.CommandLine reports parse errors with exit code 1 and ignores unknown options of a
    /// subcommand; this action takes over both (it clears the parser's errors, so it always runs),
    /// so every bad flag gives exit code 2 as the explain commands promise.
    /// </summary>
    private sealed class CommandAction(Func<ParseResult, int> body) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            // An unknown option's value (--set x= to a command without --set) is no second mistake: the option is named alone.
            bool unknownOption = parseResult.UnmatchedTokens.Any(t => t.StartsWith('-'));
            var problems = parseResult.Errors.Select(e => e.Message)
                .Concat(parseResult.UnmatchedTokens.Where(t => t.StartsWith('-') || !unknownOption)
                    .Select(t => t.StartsWith('-') ? $"Unknown option '{t}'." : $"Unexpected argument '{t}'."))
                // An unknown option given twice (--set a=1 --set b=2) is one mistake.
                .Distinct()
                .ToArray();
            bool json = AsksForJson(parseResult);
            if (problems.Length > 0)
            {
                foreach (var p in problems)
                    Console.Error.WriteLine($"error: {p}");
                if (json)
                    Console.Out.WriteLine(ExplainJson.Error(string.Join(" ", problems)));
                return UsageError;
            }
            json = json && parseResult.GetValue((Option<bool>)parseResult.CommandResult.Command.Options.Single(o => o.Name == "--json"));
            return Run(() => body(parseResult), json);
        }
    }
}
