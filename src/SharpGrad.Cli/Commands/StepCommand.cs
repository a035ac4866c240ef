using System.CommandLine;
using System.Globalization;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad step FILE --lr RATE [--of NAME] [--set NAME=VALUE]... [--format text|markdown|latex]
/// [--standalone] [--all-nodes] [--layout gradient|numerator|denominator] [--json]</c>: the worked
/// example of spec E9 for any program: the forward table, the backward table in reverse order with
/// the chain-rule product behind each number, and one SGD update. Named nodes get rows unless
/// --all-nodes asks for every part of every expression. A NaN or infinite objective is warned about
/// on stderr as well as in the output.
/// </summary>
internal static class StepCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var lr = CliOptions.Number("--lr", "The SGD learning rate η (a positive number).");
        lr.Required = true;
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" }.OneOf("text", "markdown", "latex");
        var allNodes = new Option<bool>("--all-nodes") { Description = "Give every unnamed part of an expression a row of its own (by default only named nodes have rows)." };
        var layout = ExplainCli.LayoutOption(Layout.Gradient);
        var standalone = ExplainCli.StandaloneOption();
        var json = ExplainCli.JsonOption();
        var command = new Command("step", "Work through one forward pass, backward pass and SGD step of a .grad program.");
        command.Arguments.Add(file);
        command.Options.Add(lr);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Options.Add(format);
        command.Options.Add(standalone);
        command.Options.Add(allNodes);
        command.Options.Add(layout);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            ExplainCli.OneOutput(parse, json, format);
            return Run(parse.GetValue(file)!, parse.GetValue(lr), parse.GetValue(of), parse.GetValue(set), parse.GetValue(format)!,
                new Options(parse.GetValue(allNodes), Layouts.Parse(parse.GetValue(layout)!), parse.GetValue(standalone), parse.GetValue(json)));
        });
        return command;
    }

    private sealed record Options(bool AllNodes, Layout Layout, bool Standalone, bool Json);

    private static int Run(string path, double learningRate, string? objective, string[]? sets, string format, Options options)
    {
        if (!double.IsFinite(learningRate) || learningRate <= 0)
            throw new ArgumentException($"--lr must be a positive number, got {learningRate.ToString(CultureInfo.InvariantCulture)}.");
        var overrides = ExplainCli.ParseSets(sets);
        var program = GradProgram.Load(path);
        if (options.Standalone && format != "latex")
            throw new ArgumentException("--standalone makes a LaTeX document; use it with --format latex.");
        var report = StepReport.Create(program.Evaluate(overrides, objective), learningRate, options.AllNodes, options.Layout);
        if (report.Warning is { } warning) Console.Error.WriteLine(warning);
        if (options.Json)
        {
            Console.Out.WriteLine(ExplainJson.Step(report));
            return 0;
        }
        var outputFormat = format switch
        {
            "markdown" => OutputFormat.Markdown,
            "latex" => OutputFormat.Latex,
            _ => OutputFormat.Text,
        };
        Console.Out.Write(StepRenderer.Render(report, outputFormat, options.Standalone));
        return 0;
    }
}
