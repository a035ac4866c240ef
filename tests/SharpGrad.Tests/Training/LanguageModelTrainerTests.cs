using SharpGrad.Data;
using SharpGrad.NN;
using SharpGrad.Optim;
using SharpGrad.Training;

namespace SharpGrad.Tests.Training;

public class LanguageModelTrainerTests
{
    private static readonly string[] Words = ["anna", "bob", "emma", "ada", "otto", "eve", "hannah", "nan", "abba", "elle", "ava", "pip"];

    [Theory]
    [InlineData("bigram")]
    [InlineData("mlp")]
    [InlineData("lstm")]
    [InlineData("transformer")]
    public void AFewEpochs_LowerTheLossPerCharacter(string name)
    {
        var vocabulary = CharVocabulary.FromWords(Words);
        var config = new CharModelConfig(Context: name is "lstm" or "transformer" ? 8 : 3, Embed: 8, Hidden: 16, Layers: 1, Heads: 2, Dropout: 0);
        var model = CharLanguageModels.Create(name, vocabulary.Count, config, new Generator(2));
        var data = model.ReadsSequences ? NamesDataset.Sequences(Words, vocabulary, 8) : NamesDataset.Windows(Words, vocabulary, model.Config.Context);
        var loader = new DataLoader(data, 4, shuffle: true, generator: new Generator(3));
        var optimizer = new AdamW(model.Parameters(), name == "bigram" ? 0.1 : 0.01);
        var trainer = new LanguageModelTrainer(model, optimizer, new CosineAnnealingLR(optimizer, 10 * loader.BatchCount));
        double before = LanguageModelTrainer.Evaluate(model, new DataLoader(data, 100));
        double first = trainer.TrainEpoch(loader).Loss;
        double last = first;
        for (int e = 1; e < 10; e++) last = trainer.TrainEpoch(loader).Loss;
        double after = LanguageModelTrainer.Evaluate(model, new DataLoader(data, 100));
        Assert.True(last < first - 0.2, $"{name}: train loss {first} → {last}");
        Assert.True(after < before - 0.3, $"{name}: evaluated loss {before} → {after}");
    }

    [Fact]
    public void Evaluate_OfAUniformModel_IsLnVPerCharacter_InBothLayouts()
    {
        // A bigram table of zeros predicts every token with probability 1/V: ln V nats whatever the layout.
        var vocabulary = CharVocabulary.FromWords(Words);
        var bigram = new BigramLanguageModel(vocabulary.Count);
        Assert.Equal(Math.Log(vocabulary.Count), LanguageModelTrainer.Evaluate(bigram, new DataLoader(NamesDataset.Windows(Words, vocabulary, 1), 5)), 5);
        // An LSTM whose output layer is zero is uniform too; padding positions must not count.
        var lstm = new LstmLanguageModel(vocabulary.Count, new CharModelConfig(8, 4, 4, 1, 0, 0), new Generator(1));
        using (SharpGrad.Autograd.NoGrad())
        {
            lstm.Output.Weight.Zero();
            lstm.Output.Bias!.Zero();
        }
        Assert.Equal(Math.Log(vocabulary.Count), LanguageModelTrainer.Evaluate(lstm, new DataLoader(NamesDataset.Sequences(Words, vocabulary, 8), 5)), 5);
    }
}
