using SharpGrad.Data;

namespace SharpGrad.Tests.Data;

public class CharVocabularyTests
{
    [Fact]
    public void FromWords_PutsTheBoundaryFirstThenTheCharactersInOrdinalOrder()
    {
        var v = CharVocabulary.FromWords(["eve", "anne-marie", "bo"]);
        // '-' (U+002D) sorts before the letters; '.' is the boundary token at index 0.
        Assert.Equal(".-abeimnorv", v.Characters);
        Assert.Equal(11, v.Count);
        Assert.Equal(0, v['.']);
        Assert.Equal(1, v['-']);
        Assert.Equal(2, v['a']);
        Assert.Equal([4, 10, 4], v.Encode("eve"));
        Assert.Equal(".eve.", v.Decode([0, 4, 10, 4, 0]));
    }

    [Fact]
    public void BundledNames_Have27LettersAndTheHyphenBesideTheBoundary()
    {
        var words = NamesDataset.ReadWords(Path.Combine(SharpGrad.Tests.IO.Repository.Root, "data", "names", "train.txt"));
        Assert.Equal(6737, words.Count);
        Assert.Equal(".-abcdefghijklmnopqrstuvwxyz", CharVocabulary.FromWords(words).Characters);
    }

    [Fact]
    public void Encode_OfAnUnknownCharacter_NamesTheWordAndPosition()
    {
        var v = CharVocabulary.FromWords(["ab"]);
        var e = Assert.Throws<ArgumentException>(() => v.Encode("abz"));
        Assert.Contains("\"abz\": character 3, 'z'", e.Message);
        Assert.Throws<ArgumentException>(() => v.Encode("a.b"));   // the boundary is not a character of a word
    }

    [Theory]
    [InlineData("ab")]        // no boundary first
    [InlineData(".")]         // no characters
    [InlineData(".abca")]     // a repeat
    public void Constructor_RefusesMalformedTokenLists(string characters) =>
        Assert.Throws<ArgumentException>(() => new CharVocabulary(characters));

    [Fact]
    public void FromWords_RefusesTheBoundaryCharacterInAWord() =>
        Assert.Throws<ArgumentException>(() => CharVocabulary.FromWords(["a.b"]));
}
