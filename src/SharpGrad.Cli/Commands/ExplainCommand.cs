using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad explain FILE --wrt NAME [--of NAME] [--form paths|factored|closed] [--format text|markdown|latex]</c>:
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
        var command = new Command("explain", "Write out the chain rule for a derivative: every path, factored, or in closed form.");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(of);
        command.Options.Add(form);
        command.Options.Add(format);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            var derivation = ChainDerivation.Create(program, parse.GetValue(wrt)!, parse.GetValue(of));
            var outputFormat = parse.GetValue(format) switch
            {
                "markdown" => OutputFormat.Markdown,
                "latex" => OutputFormat.Latex,
                _ => OutputFormat.Text,
            };
            Console.Out.Write(DerivationRenderer.Render(derivation, parse.GetValue(form)!, outputFormat));
            return 0;
        });
        return command;
    }
}
