using System.Globalization;
using System.Text.RegularExpressions;
using SharpGrad.NN;
using SharpGrad.Training;

namespace SharpGrad.Tests.Training;

public partial class LanguageModelRecipeTests
{
    /// <summary>The PyTorch reference must train with the same hyper-parameters, or its column in docs/sequence-models.md compares nothing.</summary>
    [Fact]
    public void PyTorchReference_UsesTheDefaultsOfEveryModel()
    {
        var script = File.ReadAllText(Path.Combine(SharpGrad.Tests.IO.Repository.Root, "bench", "names", "train_names.py"));
        foreach (var name in CharLanguageModels.Names)
        {
            var line = Regex.Match(script, $"\"{name}\": dict\\(([^)]*)\\)");
            Assert.True(line.Success, $"train_names.py has no defaults for {name}");
            var values = Setting().Matches(line.Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
            var r = LanguageModelRecipe.Default(name);
            var expected = new Dictionary<string, double>
            {
                ["context"] = r.Config.Context, ["embed"] = r.Config.Embed, ["hidden"] = r.Config.Hidden, ["layers"] = r.Config.Layers,
                ["heads"] = r.Config.Heads, ["dropout"] = r.Config.Dropout, ["epochs"] = r.Epochs, ["batch"] = r.BatchSize,
                ["lr"] = r.LearningRate, ["weight_decay"] = r.WeightDecay, ["warmup"] = r.WarmupSteps,
            };
            foreach (var (key, value) in expected)
            {
                // Sizes a model does not use may be written as 0 on either side.
                if (name == "bigram" && key is "embed" or "hidden" or "layers" or "heads") continue;
                if (name == "mlp" && key is "layers" or "heads") continue;
                if (name == "lstm" && key == "heads") continue;
                Assert.True(values.ContainsKey(key), $"{name}: train_names.py lacks {key}");
                Assert.True(value == values[key], $"{name}: {key} is {value} in LanguageModelRecipe but {values[key]} in train_names.py");
            }
        }
    }

    [Fact]
    public void Default_OfAnUnknownModel_ListsTheModels() =>
        Assert.Contains("bigram, mlp, lstm, transformer", Assert.Throws<ArgumentException>(() => LanguageModelRecipe.Default("gru")).Message);

    [GeneratedRegex(@"(\w+)=([0-9.eE+-]+)")]
    private static partial Regex Setting();
}
