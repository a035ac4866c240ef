using System.CommandLine;
using System.Globalization;

namespace SharpGrad.Cli.Commands;

/// <summary>
/// <c>sharpgrad sample</c>: prints new words drawn from a language model that <c>sharpgrad train --task
/// names</c> wrote, one per line, character by character from its softmax at a temperature (below 1
/// sharper and more common, above 1 flatter and stranger). The same seed prints the same words.
/// </summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var weights = new Option<string>("--weights") { Description = "A model.safetensors written by sharpgrad train --task names.", DefaultValueFactory = _ => Path.Combine("out", "model.safetensors") };
        var count = CliOptions.Integer("--count", "How many names to print.", 20);
        var seed = CliOptions.Integer("--seed", "Seed of the draws; the same seed prints the same names.", 1UL);
        var temperature = CliOptions.Number("--temperature", "Divides the logits before the softmax: below 1 safer names, above 1 wilder ones.");
        temperature.DefaultValueFactory = _ => 1.0;
        var command = new Command("sample", "Print new names drawn from a character-level language model trained with sharpgrad train --task names.")
        {
            weights, count, seed, temperature,
        };
        command.SetAction(parse => Run(parse.GetValue(weights)!, parse.GetValue(count), parse.GetValue(seed), parse.GetValue(temperature)));
        return command;
    }

    private static int Run(string weightsPath, int count, ulong seed, double temperature)
    {
        if (count <= 0) throw new ArgumentException($"--count must be positive, got {count}.");
        if (!double.IsFinite(temperature) || temperature <= 0)
            throw new ArgumentException($"--temperature must be a positive number, got {temperature.ToString(CultureInfo.InvariantCulture)}.");
        var (model, vocabulary) = ModelFiles.LoadLanguageModel(CliPaths.CheckFile("--weights", weightsPath));
        var generator = new Generator(seed);
        var output = Console.Out;
        for (int i = 0; i < count; i++)
            output.WriteLine(vocabulary.Decode(model.Sample(generator, temperature)));
        return 0;
    }
}
