using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace SharpGrad.Cli.Bench;

/// <summary>
/// Prints <c>sharpgrad bench</c>'s results: a table with the notes under it, or with <c>--json</c> one JSON object
/// per row on stdout (JSON Lines) with exactly the keys name, threads, sharpgrad, reference, referenceName, ratio,
/// scaling and unit, reference, referenceName and ratio null where there is no reference (scaling where the row ran
/// at one thread count only), and the notes on stderr so
/// that stdout stays machine-readable.
/// </summary>
internal static class BenchReport
{
    public const string RatioLegend = "ratio > 1: SharpGrad is faster (reference ÷ SharpGrad for times, SharpGrad ÷ reference for rates)";

    public const string ScalingLegend = "scaling: SharpGrad's speed-up over the same row at the fewest threads measured (< 1: the added threads slowed it down)";

    /// <summary>One JSON object per result on stdout, then the notes on stderr.</summary>
    public static void WriteJson(IReadOnlyList<BenchResult> results, BenchNotes notes)
    {
        foreach (var result in results)
            Console.Out.WriteLine(JsonLine(result));
        foreach (var note in notes.Lines)
            Console.Error.WriteLine(note);
    }

    /// <summary>The JSON object of one result, on one line.</summary>
    public static string JsonLine(BenchResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", result.Row.Name);
            json.WriteNumber("threads", result.Threads);
            json.WriteNumber("sharpgrad", Round(result.SharpGrad));
            WriteNullable(json, "reference", result.Reference);
            if (result.ReferenceName is { } name)
                json.WriteString("referenceName", name);
            else
                json.WriteNull("referenceName");
            WriteNullable(json, "ratio", result.Ratio);
            WriteNullable(json, "scaling", result.Scaling);
            json.WriteString("unit", result.Row.Unit);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
            json.WriteNumber(name, Round(v));
        else
            json.WriteNull(name);
    }

    // Three decimals are far below the run-to-run noise of any row, and keep the lines short.
    private static double Round(double value) => Math.Round(value, 3);

    /// <summary>The table, with the ratio's meaning and the notes under it.</summary>
    public static void WriteTable(IReadOnlyList<BenchResult> results, BenchNotes notes)
    {
        var table = new Table().Title("sharpgrad bench").AddColumns("row", "threads", "SharpGrad", "reference", "engine", "ratio", "scaling", "unit");
        foreach (int i in new[] { 1, 2, 3, 5, 6 })
            table.Columns[i].RightAligned();
        foreach (var r in results)
        {
            table.AddRow(
                Markup.Escape(r.Row.Name),
                r.Threads.ToString(CultureInfo.InvariantCulture),
                Number(r.SharpGrad),
                r.Reference is { } reference ? Number(reference) : "–",
                Markup.Escape(r.ReferenceName ?? (r.Row.ReferenceName is null ? "" : $"({r.Row.ReferenceName} missing)")),
                r.Ratio is { } ratio ? $"[{(ratio >= 1 ? "green" : "red")}]{ratio.ToString("F2", CultureInfo.InvariantCulture)}×[/]" : "–",
                r.Scaling is { } scaling ? $"{(scaling < 0.97 ? "[red]" : "")}{scaling.ToString("F2", CultureInfo.InvariantCulture)}×{(scaling < 0.97 ? "[/]" : "")}" : "–",
                Markup.Escape(r.Row.Unit));
        }
        AnsiConsole.Write(table);
        // Plain lines, not Spectre text: paths in the notes must not be broken at the console width.
        Console.Out.WriteLine(RatioLegend);
        if (results.Any(r => r.Scaling is not null))
            Console.Out.WriteLine(ScalingLegend);
        foreach (var note in notes.Lines)
            Console.Out.WriteLine(note);
    }

    private static string Number(double value) =>
        value.ToString(Math.Abs(value) >= 1000 ? "N0" : "F1", CultureInfo.InvariantCulture);
}
