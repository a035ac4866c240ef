using System.Text.RegularExpressions;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Help is read by someone who installed the tool: it names the command they type and points at
/// nothing that only exists in the repository (docs/, examples/) or in the course handout (E9, spec).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class HelpTests
{
    [Fact]
    public void RootHelp_UsageIsSharpgrad()
    {
        var (code, output, _) = CliRunner.Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:\n  sharpgrad [command] [options]", output);
        Assert.DoesNotContain("SharpGrad.Cli", output);
    }

    [Fact]
    public void EverySubcommandHelp_NamesSharpgradAndNoRepositoryFilesOrExerciseNumbers()
    {
        var commands = Subcommands();
        Assert.Contains("train", commands);
        Assert.Contains("bench", commands);
        foreach (var args in commands.Select(c => new[] { c, "--help" }).Prepend(["--help"]))
        {
            var (code, output, error) = CliRunner.Run(args);
            string what = string.Join(' ', args);
            Assert.True(code == 0, $"{what}: {error}");
            Assert.Contains("  sharpgrad " + (args.Length == 2 ? args[0] + " " : ""), output);
            Assert.DoesNotContain("SharpGrad.Cli", output);
            Assert.DoesNotContain("docs/", output);
            Assert.DoesNotContain("examples/", output);
            Assert.DoesNotMatch(ExerciseNumber(), output);
            Assert.DoesNotMatch(SpecReference(), output);
        }
    }

    /// <summary>The command names listed under "Commands:" in the root help.</summary>
    private static string[] Subcommands()
    {
        var (_, output, _) = CliRunner.Run("--help");
        var section = output[(output.IndexOf("Commands:\n", StringComparison.Ordinal) + "Commands:\n".Length)..];
        return section.Split('\n')
            .TakeWhile(line => line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.Trim().Split(' ')[0])
            .ToArray();
    }

    [GeneratedRegex(@"\bE\d+\b")]
    private static partial Regex ExerciseNumber();

    [GeneratedRegex(@"\bspec\b", RegexOptions.IgnoreCase)]
    private static partial Regex SpecReference();
}
