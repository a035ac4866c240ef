using SharpGrad.Data;

namespace SharpGrad.Tests.Data;

public class NamesDatasetTests
{
    private static readonly CharVocabulary Vocabulary = new(".abe");   // . a b e → 0 1 2 3

    [Fact]
    public void Windows_HoldOneSamplePerCharacterAndEnd_WithTheBoundaryBeforeTheStart()
    {
        var set = NamesDataset.Windows(["abe", "b"], Vocabulary, context: 2);
        // "abe": (.. → a) (.a → b) (ab → e) (be → .); "b": (.. → b) (.b → .)
        Assert.Equal(6, set.Count);
        Assert.Equal(6, set.CharacterCount);
        Assert.False(set.IsSequences);
        var (x, y) = set.GetBatch([0, 1, 2, 3, 4, 5]);
        Assert.Equal([6, 2], x.Shape.ToArray());
        Assert.Equal([0, 0, 0, 1, 1, 2, 2, 3, 0, 0, 0, 2], x.ToArray<int>());
        Assert.Equal([1, 2, 3, 0, 2, 0], y.ToArray<int>());
        var (one, target) = set[3];
        Assert.Equal([2, 3], one.ToArray<int>());
        Assert.Equal(0, target.ToArray<int>()[0]);
    }

    [Fact]
    public void Sequences_ShiftTheWordByOne_AndABatchIsCutToItsLongestWord()
    {
        var set = NamesDataset.Sequences(["abe", "b", "ab"], Vocabulary, maxLength: 6);
        Assert.Equal(3, set.Count);
        Assert.Equal(4 + 2 + 3, set.CharacterCount);
        Assert.True(set.IsSequences);
        var (x, y) = set.GetBatch([1, 2]);
        // Longest of "b" and "ab" is 2 characters + end = 3 positions; padding targets are ignored (-1).
        Assert.Equal([2, 3], x.Shape.ToArray());
        Assert.Equal([0, 2, 0, 0, 1, 2], x.ToArray<int>());
        Assert.Equal([2, 0, -1, 1, 2, 0], y.ToArray<int>());
        var (all, _) = set.GetBatch([0, 1, 2]);
        Assert.Equal([3, 4], all.Shape.ToArray());
    }

    [Fact]
    public void Sequences_RefuseAWordLongerThanTheirPositions()
    {
        var e = Assert.Throws<ArgumentException>(() => NamesDataset.Sequences(["abeab"], Vocabulary, maxLength: 5));
        Assert.Contains("\"abeab\" has 5 characters", e.Message);
    }

    [Fact]
    public void ReadWords_SkipsBlankLinesAndNamesTheLineOfABadOne()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "ann\n\n  bob \n");
            Assert.Equal(["ann", "bob"], NamesDataset.ReadWords(path));
            File.WriteAllText(path, "ann\nmary jane\n");
            var e = Assert.Throws<InvalidDataException>(() => NamesDataset.ReadWords(path));
            Assert.Contains("line 2", e.Message);
            File.WriteAllText(path, "\n");
            Assert.Throws<InvalidDataException>(() => NamesDataset.ReadWords(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void BundledSplits_CountTheCharactersOfTheirNamesPlusOneEndEach()
    {
        string folder = Path.Combine(SharpGrad.Tests.IO.Repository.Root, "data", "names");
        var train = NamesDataset.ReadWords(Path.Combine(folder, "train.txt"));
        var vocabulary = CharVocabulary.FromWords(train);
        int expected = File.ReadAllLines(Path.Combine(folder, "train.txt")).Sum(l => l.Length + 1);
        Assert.Equal(expected, NamesDataset.Windows(train, vocabulary, 3).CharacterCount);
        Assert.Equal(expected, NamesDataset.Sequences(train, vocabulary, 16).CharacterCount);
    }
}
