namespace SharpGrad.Cli.Tests;

/// <summary>The data-parallel side of <c>sharpgrad train</c> that one process can check: its option and help.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class TrainDistributedOptionTests
{
    [Theory]
    [InlineData("0", "0")]
    [InlineData("-5", "-5")]
    public void DistTimeout_NotPositive_Exits2(string value, string shown)
    {
        var (code, stdout, stderr) = CliRunner.Run("train", "--dist-timeout", value);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"error: --dist-timeout must be a positive number of seconds, got {shown}.\n", stderr);
    }

    [Fact]
    public void Help_SaysTheBatchSizeIsPerProcess()
    {
        var (code, stdout, _) = CliRunner.Run("train", "--help");
        Assert.Equal(0, code);
        string text = string.Join(" ", stdout.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Samples per optimisation step on each process; under mpirun -np N the global batch is N times this.", text);
        Assert.Contains("--dist-timeout", text);
    }
}
