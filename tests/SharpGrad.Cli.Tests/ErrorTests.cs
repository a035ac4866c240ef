namespace SharpGrad.Cli.Tests;

/// <summary>Exit codes and messages: 0 when it works, 2 for any mistake in the program, its values or the flags, never a stack trace.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ErrorTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Theory]
    [InlineData("grad")]
    [InlineData("step")]
    public void ParseError_PrintsFileLineColumnAndExits2(string command)
    {
        var path = Write("bad.grad", "input x = 3\ntarget y = 6\na = )\n");
        string[] args = command == "step" ? [command, path, "--lr", "0.1"] : [command, path];
        var (code, stdout, stderr) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"{path}:3:5: expected an expression after '=', found ')'\n", stderr);
    }

    [Theory]
    // Usage mistakes of a --json command come out as one JSON object on stdout too, as every other error of it does.
    [InlineData("Unknown option '--frob'.", "grad", "--json", "--frob")]
    [InlineData("--layout must be gradient, numerator or denominator, got 'zzz'.", "step", "--json", "--lr", "0.1", "--layout", "zzz")]
    [InlineData("Option '--lr' is required.", "step", "--json")]
    [InlineData("Option '--wrt' is required.", "explain", "--json")]
    public void UsageMistakes_WithJson_AreAJsonError(string message, string command, params string[] options)
    {
        var (code, stdout, stderr) = CliRunner.Run([command, CliRunner.Example("e9.grad"), .. options]);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(message, json.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public void DigitsOtherThanAscii_AreAnUnexpectedCharacterAtTheirPlace()
    {
        var path = Write("digits.grad", "param w = \uFF13\nJ = w^2\n");
        var (code, _, stderr) = CliRunner.Run("grad", path);
        Assert.Equal(2, code);
        Assert.Equal($"{path}:1:11: unexpected character '\uFF13'\n", stderr);
    }

    [Fact]
    public void ANamedPipe_IsRefusedRatherThanWaitedOn()
    {
        if (!OperatingSystem.IsLinux()) return;
        var pipe = Path.Combine(dir, "pipe.grad");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", pipe)) mkfifo.WaitForExit();
        var (code, _, stderr) = CliRunner.Run("grad", pipe);
        Assert.Equal(2, code);
        Assert.Contains("is not a regular file", stderr);
    }

    [Fact]
    public void ObjectivesAsPrinted_AndDeclarationsForCost()
    {
        // step and grad take --of as explain prints it (ŷ for yhat); cost refuses a declaration, which computes nothing.
        var (code, stdout, _) = CliRunner.Run("step", CliRunner.Example("e9.grad"), "--lr", "0.1", "--of", "ŷ");
        Assert.Equal(0, code);
        Assert.Contains("objective yhat", stdout);
        var (costCode, _, stderr) = CliRunner.Run("cost", CliRunner.Example("e9.grad"), "--of", "W3");
        Assert.Equal(2, costCode);
        Assert.Equal("error: --of: 'W3' is a param declaration, which computes nothing to count; name an assignment\n", stderr);
    }

    [Fact]
    public void CrossEntropy_WithOneTargetRowForABatch_IsAShapeError()
    {
        var path = Write("ce.grad", "param Z = [[1, 2], [3, 4]]\ntarget y = [0, 1]\nJ = cross_entropy(Z, y)\n");
        var (code, _, stderr) = CliRunner.Run("grad", path);
        Assert.Equal(2, code);
        Assert.Contains(":3:5: shapes do not fit 'cross_entropy(Z, y)': the target must have the shape of the logits [2, 2]", stderr);
    }

    [Fact]
    public void IndexOutOfRangeForASizeGivenWithSet_ReadsLikeTheStaticCheck()
    {
        var path = Write("index.grad", "param w[D]\nJ = w[3]\n");
        var (code, stdout, stderr) = CliRunner.Run("grad", path, "--set", "w=[1,2]");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal($"{path}:2:6: shapes do not fit 'w[3]': index 3 is out of range for axis 0 of size 2 (positions 0 to 1)\n", stderr);
        Assert.DoesNotContain("(Parameter", stderr);
    }

    [Fact]
    public void HugeConvLayer_CountsExactly()
    {
        // 100000²·100000·100000 = 10²⁰, past the 64-bit range (it used to print 7766279631452241920).
        var path = Write("conv.grad", "conv c1: in 100000, out 100000, kernel 100000\nJ = 1\n");
        var (code, stdout, stderr) = CliRunner.Run("shapes", path);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("parameters: f²·d·c + c = 100000²·100000·100000 + 100000 = 100000000000000000000 + 100000 = 100000000000000100000\n", stdout);
    }

    [Fact]
    public void ShapeError_PrintsTheOperatorPosition()
    {
        var path = Write("shape.grad", "param W2[3, 2]\nparam h1[3]\na = W2 @ h1\n");
        var (code, _, stderr) = CliRunner.Run("grad", path);
        Assert.Equal(2, code);
        Assert.Equal($"{path}:3:8: shapes do not match for '@': W2 has shape [3, 2] and h1 has shape [3] (W2 has 2 columns but h1 has length 3)\n", stderr);
    }

    [Fact]
    public void NumbersBeyondADouble_AndANonFiniteObjective_AreSaid()
    {
        var path = Write("sqrt.grad", "param w = -1\nL = sqrt(w)\n");
        var (code, _, stderr) = CliRunner.Run("grad", path, "--set", "w=1e400");
        Assert.Equal(2, code);
        Assert.Contains("--set w: the number 1e400 is too large for a double", stderr);
        // sqrt(−1) is NaN: the table is printed, with a warning that it means nothing.
        var (nan, _, warning) = CliRunner.Run("grad", path);
        Assert.Equal(0, nan);
        Assert.StartsWith("warning: the objective L = NaN is not a finite number", warning);
    }

    [Fact]
    public void MissingValue_NamesTheDeclarationAndTheFlag()
    {
        var path = Write("novalue.grad", "input x\ny = x * 2\n");
        var (code, _, stderr) = CliRunner.Run("grad", path);
        Assert.Equal(2, code);
        Assert.Equal($"{path}:1:7: input x has no value; give one with --set x=... (or write input x = ... in the program)\n", stderr);
        var (ok, stdout, _) = CliRunner.Run("grad", path, "--set", "x=4", "--json");
        Assert.Equal(0, ok);
        Assert.Contains("\"y\": 8", stdout);
    }

    [Fact]
    public void ObjectiveThatIsNotANumber_Exits2()
    {
        var (code, _, stderr) = CliRunner.Run("grad", CliRunner.Example("e9.grad"), "--of", "a1");
        Assert.Equal(2, code);
        Assert.EndsWith("e9.grad:7:1: the objective 'a1' has shape [2], but an objective must be a single number; reduce it with sum(...) or mean(...), or choose another with --of\n", stderr);
    }

    [Theory]
    [InlineData("grad", "--bogus")]
    [InlineData("grad", "extra-argument")]
    [InlineData("step")]                             // --lr is required
    [InlineData("step", "--lr", "fast")]
    [InlineData("step", "--lr", "-1")]
    [InlineData("step", "--lr", "0.1", "--format", "pdf")]
    [InlineData("grad", "--set", "x")]
    [InlineData("grad", "--set", "x=[1,")]
    [InlineData("grad", "--set", "q=1")]
    [InlineData("grad", "--set", "a1=1")]
    public void BadFlags_Exit2WithAMessageAndNoStackTrace(string command, params string[] flags)
    {
        var (code, stdout, stderr) = CliRunner.Run([command, CliRunner.Example("e9.grad"), .. flags]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.NotEqual("", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void MissingFile_Exits2()
    {
        var (code, _, stderr) = CliRunner.Run("grad", Path.Combine(dir, "nope.grad"));
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void MissingFile_SaysNoSuchFile_NotTheRuntimeMessage()
    {
        var path = Path.Combine(dir, "nope.grad");
        var (code, _, stderr) = CliRunner.Run("grad", path);
        Assert.Equal(2, code);
        Assert.Equal($"error: {path}: no such file\n", stderr);

        var inMissingFolder = Path.Combine(dir, "missing", "x.grad");
        (code, _, stderr) = CliRunner.Run("grad", inMissingFolder);
        Assert.Equal(2, code);
        Assert.Equal($"error: {inMissingFolder}: no such file (there is no folder {Path.Combine(dir, "missing")})\n", stderr);
    }

    [Fact]
    public void RuntimeFileSystemMessages_AreRewordedAndOthersKept()
    {
        var file = Path.Combine(dir, "b.grad");
        Assert.Equal($"{file}: no such file", CliErrors.Describe(new FileNotFoundException($"Could not find file '{file}'.")));
        Assert.Equal($"{dir}: is a folder, not a file", CliErrors.Describe(new UnauthorizedAccessException($"Access to the path '{dir}' is denied.")));
        Assert.Equal("/srv/x: permission denied", CliErrors.Describe(new UnauthorizedAccessException("Access to the path '/srv/x' is denied.")));
        Assert.Equal("--batch: 'x.csv' does not exist.", CliErrors.Describe(new IOException("--batch: 'x.csv' does not exist.")));
    }

    [Fact]
    public void UnknownCommand_IsOneLineNamingIt()
    {
        var (code, stdout, stderr) = CliRunner.Run("frobnicate", "f.grad");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("error: Unrecognized command or argument 'frobnicate'. Run 'sharpgrad --help' for the commands.\n", stderr);
    }

    [Fact]
    public void Success_Exits0()
    {
        Assert.Equal(0, CliRunner.Run("grad", CliRunner.Example("e7.grad")).ExitCode);
        Assert.Equal(0, CliRunner.Run("step", CliRunner.Example("e8.grad"), "--lr", "0.1", "--format", "markdown").ExitCode);
    }
}
