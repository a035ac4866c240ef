using System.CommandLine;
using System.Globalization;
using SharpGrad.NN;
using Spectre.Console;

namespace SharpGrad.Cli.Commands;

/// <summary><c>sharpgrad summary</c>: the layer table of a reference model.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "cnn or mlp.", DefaultValueFactory = _ => "cnn" }.OneOf([.. MnistModels.Names]);
        var batch = CliOptions.Integer("--batch-size", "Batch size of the sample input.", 1);
        var command = new Command("summary", "Show a model's layers, output shapes and parameter counts.") { model, batch };
        command.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(batch)));
        return command;
    }

    private static int Run(string name, int batch)
    {
        if (batch <= 0) throw new ArgumentException($"--batch-size must be positive, got {batch}.");
        var summary = MnistModels.Create(name).Summarize(batch, 1, 28, 28);
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().Title(Markup.Escape($"{name} (input [{batch}, 1, 28, 28])")).AddColumns("layer", "type", "output shape", "parameters");
        table.Columns[3].RightAligned();
        foreach (var row in summary.Rows)
            table.AddRow(Markup.Escape(row.Name), row.Type, Markup.Escape("[" + string.Join(", ", row.OutputShape) + "]"), row.Parameters.ToString("N0", inv));
        table.AddEmptyRow();
        table.AddRow("[bold]total[/]", "", "", $"[bold]{summary.TotalParameters.ToString("N0", inv)}[/]");
        table.AddRow("trainable", "", "", summary.TrainableParameters.ToString("N0", inv));
        table.AddRow("non-trainable", "", "", (summary.TotalParameters - summary.TrainableParameters).ToString("N0", inv));
        AnsiConsole.Write(table);
        return 0;
    }
}
