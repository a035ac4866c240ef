using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad explain FILE --wrt NAME [--of NAME] [--form paths|factored|closed] [--format text|markdown|latex]
/// [--layout gradient|numerator|denominator] [--expand] [--standalone] [--json]</c>:
/// writes the chain rule for ∂objective/∂NAME between the program's named nodes (see <see cref="ChainDerivation"/>).
/// </summary>
internal static class ExplainCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var wrt = new Option<string>("--wrt") { Description = "The node to differentiate with respect to.", Required = true };
        var form = new Option<string>("--form") { Description = "paths: sum over every path; factored: as backpropagation computes it; closed: local partials written out.", DefaultValueFactory = _ => "factored" }
            .OneOf("paths", "factored", "closed");
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" }.OneOf("text", "markdown", "latex");
        var layout = new Option<string?>("--layout")
        {
            Description = "How chains of vector derivatives are written: gradient (∂J/∂x has x's shape, as CS231n), numerator, or denominator (the seed's: the chain runs from the variable up). Stated in the output when given.",
        }.OneOf([.. Layouts.Names]);
        var expand = new Option<bool>("--expand") { Description = "Write composite ops (softmax, log_softmax, cross_entropy, layer_norm, mse_loss, binary_cross_entropy) out in exponentials, logarithms, sums and means instead of by name." };
        var standalone = ExplainCli.StandaloneOption();
        var json = ExplainCli.JsonOption();
        var command = new Command("explain", "Write out the chain rule for a derivative: every path, factored, or in closed form.");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(of);
        command.Options.Add(form);
        command.Options.Add(format);
        command.Options.Add(layout);
        command.Options.Add(expand);
        command.Options.Add(standalone);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            ExplainCli.OneOutput(parse, json, format);
            var program = GradProgram.Load(parse.GetValue(file)!);
            var derivation = ChainDerivation.Create(program, parse.GetValue(wrt)!, parse.GetValue(of));
            var chosenForm = parse.GetValue(form)!;
            Layout? chosenLayout = parse.GetValue(layout) is { } name ? Layouts.Parse(name) : null;
            var outputFormat = parse.GetValue(format) switch
            {
                "markdown" => OutputFormat.Markdown,
                "latex" => OutputFormat.Latex,
                _ => OutputFormat.Text,
            };
            if (parse.GetValue(standalone) && outputFormat != OutputFormat.Latex)
                throw new ArgumentException("--standalone makes a LaTeX document; use it with --format latex.");
            if (parse.GetValue(json))
            {
                var equations = DerivationRenderer.Equations(derivation, chosenForm, out _, chosenLayout ?? Layout.Gradient, parse.GetValue(expand));
                Console.Out.WriteLine(ExplainJson.Explanation(chosenForm, derivation.Objective, derivation.Wrt, chosenLayout ?? Layout.Gradient,
                    equations, derivation.PathCount, derivation.PathsByFactorCount));
                return 0;
            }
            Console.Out.Write(DerivationRenderer.Render(derivation, chosenForm, outputFormat, chosenLayout, parse.GetValue(expand), parse.GetValue(standalone)));
            return 0;
        });
        return command;
    }
}
