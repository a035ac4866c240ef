using System.CommandLine;
using SharpGrad.Explain;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad check FILE --wrt NAME --expr "EXPRESSION" [--of NAME] [--set NAME=VALUE]...</c>: decides
/// whether a hand-derived derivative is right (exit 0, "correct") or wrong (exit 1, "incorrect", with a
/// counterexample and, where possible, the missing or extra path or factor); see <see cref="DerivativeChecker"/>.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var file = ExplainCli.FileArgument();
        var of = ExplainCli.OfOption();
        var set = ExplainCli.SetOption();
        var wrt = new Option<string>("--wrt") { Description = "The node the derivative is with respect to.", Required = true };
        var expr = new Option<string>("--expr") { Description = "The hand-derived derivative, in the program's names, e.g. \"dE/dn6 * dn6/dn4\" or \"relu'(g1) * x\".", Required = true };
        var command = new Command("check", "Decide whether a hand-derived derivative equals the true one.");
        command.Arguments.Add(file);
        command.Options.Add(wrt);
        command.Options.Add(expr);
        command.Options.Add(of);
        command.Options.Add(set);
        command.Action = ExplainCli.Action(parse =>
        {
            var program = GradProgram.Load(parse.GetValue(file)!);
            var overrides = ExplainCli.ParseSets(parse.GetValue(set));
            var result = DerivativeChecker.Check(program, parse.GetValue(wrt)!, parse.GetValue(expr)!, parse.GetValue(of), overrides);
            Console.Out.Write(result.ToText());
            return result.IsCorrect ? 0 : 1;
        });
        return command;
    }
}
