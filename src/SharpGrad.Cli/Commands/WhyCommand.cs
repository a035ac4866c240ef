using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad why FILE --wrt NAME [--of NAME] [--set NAME=VALUE]... [--json]</c>: when ∂objective/∂NAME is
/// zero or has zero components, says why (see <see cref="ZeroGradientExplanation"/>); components count from 1.
/// </summary>
internal static class WhyCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var wrt = new Option<string>("--wrt") { Description = "The node whose gradient is asked about.", Required = true };
        var json = ExplainCli.JsonOption();
        var command = new Command("why", "Say why a gradient is zero: an inactive ReLU, a max/min that routed elsewhere, a product with zero, or no path.");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Options.Add(json);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            var overrides = ExplainCli.ParseSets(parse.GetValue(set));
            var why = ZeroGradientExplanation.Create(program, parse.GetValue(wrt)!, parse.GetValue(of), overrides);
            Console.Out.Write(parse.GetValue(json) ? ExplainJson.Why(why) + "\n" : why.Render());
            return 0;
        });
        return command;
    }
}
