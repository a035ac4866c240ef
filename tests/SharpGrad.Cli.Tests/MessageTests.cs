using SharpGrad.IO;

namespace SharpGrad.Cli.Tests;

/// <summary>
/// Every mistake in an option or a path is one line on stderr that names the option or the file,
/// with exit code 2: values outside a fixed set, empty paths, folders where files are expected,
/// missing output folders, and a full disk.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class MessageTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sharpgrad-messages-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static void AssertOneLine(int code, string stderr, string expected)
    {
        Assert.Equal(2, code);
        Assert.Equal(expected + "\n", stderr);
    }

    [Theory]
    [InlineData("train --model xyz", "error: --model must be cnn, mlp, bigram, lstm or transformer, got 'xyz'.")]
    [InlineData("summary --model xyz", "error: --model must be cnn or mlp, got 'xyz'.")]
    [InlineData("eval --model xyz", "error: --model must be cnn or mlp, got 'xyz'.")]
    [InlineData("export m.safetensors --onnx m.onnx --model xyz", "error: --model must be cnn or mlp, got 'xyz'.")]
    [InlineData("train --optimizer adagrad", "error: --optimizer must be adam, adamw, sgd or rmsprop, got 'adagrad'.")]
    [InlineData("train --epochs two", "error: --epochs expects a whole number, got 'two'.")]
    [InlineData("train --seed -1", "error: --seed expects a whole number ≥ 0, got '-1'.")]
    [InlineData("explain EXAMPLE --wrt x --form tree", "error: --form must be paths, factored or closed, got 'tree'.")]
    [InlineData("explain EXAMPLE --wrt x --format html", "error: --format must be text, markdown or latex, got 'html'.")]
    [InlineData("step EXAMPLE --lr 0.1 --format html", "error: --format must be text, markdown or latex, got 'html'.")]
    public void ValueOutsideTheFixedSet_IsOneLineNamingTheOptionAndTheChoices(string args, string expected)
    {
        var (code, stdout, stderr) = CliRunner.Run(args.Replace("EXAMPLE", CliRunner.Example("e9.grad")).Split(' '));
        Assert.Equal("", stdout);
        AssertOneLine(code, stderr, expected);
    }

    [Theory]
    [InlineData("train --task names --model lstm --embed 8 --hidden 23000", "error: --embed 8, --hidden 23000 and --layers 1 make a model of up to 2,117,472,256 weights, more than 200,000,000; choose smaller sizes.")]
    [InlineData("train --task names --model transformer --embed 8 --hidden 8 --heads 1 --layers 100000", "error: --layers must be at most 256, got 100000.")]
    public void NamesModelsTooLargeToTrainHere_AreRefusedBeforeAnythingRuns(string args, string expected)
    {
        var (code, stdout, stderr) = CliRunner.Run(args.Split(' '));
        Assert.Equal("", stdout);
        AssertOneLine(code, stderr, expected);
    }

    [Fact]
    public void DigitsOfAnotherSize_AreRefusedWithTheirSize()
    {
        var data = Path.Combine(dir, "small");
        Directory.CreateDirectory(data);
        foreach (var prefix in new[] { "train", "t10k" })
        {
            SharpGrad.IO.Idx.Write(Path.Combine(data, $"{prefix}-images-idx3-ubyte"), Tensor.Zeros([2, 5, 5]), SharpGrad.IO.IdxType.UnsignedByte);
            SharpGrad.IO.Idx.Write(Path.Combine(data, $"{prefix}-labels-idx1-ubyte"), Tensor.Zeros([2]), SharpGrad.IO.IdxType.UnsignedByte);
        }
        var (code, stdout, stderr) = CliRunner.Run("train", "--data", data, "--epochs", "1", "--out", Path.Combine(dir, "run"));
        Assert.Equal("", stdout);
        AssertOneLine(code, stderr, $"error: --data {data}: the images are 5×5; the digits models take 28×28 MNIST images.");
    }

    [Fact]
    public void EmptyPaths_NameTheOption()
    {
        var (code, _, stderr) = CliRunner.Run("train", "--out", "");
        AssertOneLine(code, stderr, "error: --out needs a folder name, got an empty one.");
        (code, _, stderr) = CliRunner.Run("eval", "--weights", "");
        AssertOneLine(code, stderr, "error: --weights needs a file name, got an empty one.");
        (code, _, stderr) = CliRunner.Run("grad", "");
        AssertOneLine(code, stderr, "error: The .grad file name is empty.");
        (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", "");
        AssertOneLine(code, stderr, "error: --png needs a file name, got an empty one.");
    }

    [Fact]
    public void FolderWhereAFileIsExpected_NamesIt()
    {
        var folder = Path.Combine(dir, "somedir") + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(folder);
        var (code, _, stderr) = CliRunner.Run("eval", "--weights", folder);
        AssertOneLine(code, stderr, $"error: --weights: '{folder}' is a folder; give a file name.");
        (code, _, stderr) = CliRunner.Run("export", folder, "--onnx", Path.Combine(dir, "m.onnx"));
        AssertOneLine(code, stderr, $"error: the model file: '{folder}' is a folder; give a file name.");
        (code, _, stderr) = CliRunner.Run("grad", folder);
        AssertOneLine(code, stderr, $"error: '{folder}' is a folder, not a .grad program.");
        (code, _, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", folder);
        AssertOneLine(code, stderr, $"error: --png: '{folder}' is a folder; give a file name.");
    }

    [Fact]
    public void FileWhereAFolderIsExpected_NamesIt()
    {
        var file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "");
        var (code, _, stderr) = CliRunner.Run("train", "--out", file);
        AssertOneLine(code, stderr, $"error: --out: '{file}' is a file; give a folder.");
    }

    [Theory]
    [InlineData("digits")]
    [InlineData("names")]
    public void AnOutputFolderThatCannotTakeTheFiles_IsFoundBeforeTraining(string task)
    {
        // A folder where metrics.csv goes would have failed only after the last epoch.
        var output = Path.Combine(dir, "run-" + task);
        Directory.CreateDirectory(Path.Combine(output, "metrics.csv"));
        var (code, stdout, stderr) = CliRunner.Run("train", "--task", task, "--epochs", "50", "--out", output);
        AssertOneLine(code, stderr, $"error: --out: '{Path.Combine(output, "metrics.csv")}' is a folder; give a file name.");
        Assert.DoesNotContain("epoch", stdout, StringComparison.OrdinalIgnoreCase);
        // A file on the way to the folder: the folder cannot be made.
        var file = Path.Combine(dir, "a-file-" + task);
        File.WriteAllText(file, "");
        (code, _, stderr) = CliRunner.Run("train", "--task", task, "--epochs", "50", "--out", Path.Combine(file, "run"));
        AssertOneLine(code, stderr, $"error: --out: cannot make the folder '{Path.Combine(file, "run")}': it cannot be created here (a read-only file system, or a file on the way).");
    }

    [Fact]
    public void DotPng_IntoAMissingFolder_NamesTheFolderAndNoTemporaryFile()
    {
        var missing = Path.Combine(dir, "missing");
        var png = Path.Combine(missing, "graph.png");
        // Whether or not Graphviz is installed: the folder is checked before dot is started.
        var (code, stdout, stderr) = CliRunner.Run("dot", CliRunner.Example("e9.grad"), "--png", png);
        Assert.Equal("", stdout);
        AssertOneLine(code, stderr, $"error: --png: cannot write '{png}' because the folder '{missing}' does not exist.");
        Assert.DoesNotContain(".tmp", stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void DiskFull_FromTheSystem_IsExit2NamingTheFile()
    {
        if (!File.Exists("/dev/full")) return;   // Linux: every write to /dev/full fails with ENOSPC
        var code = CliErrorsRun(() =>
        {
            using var stream = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            stream.Write(new byte[1 << 16]);
            stream.Flush();
        }, out var stderr);
        AssertOneLine(code, stderr, "error: cannot write '/dev/full': the disk is full (no space left on the device).");
    }

    [Fact]
    public void DiskFull_InAnAtomicWrite_NamesTheTargetNotTheTemporaryFile()
    {
        var target = Path.Combine(dir, "metrics.csv");
        var code = CliErrorsRun(() => AtomicFile.Write(target, stream =>
        {
            // What .NET throws on Linux for ENOSPC (errno 28), naming the file it was writing.
            throw new IOException($"No space left on device : '{Path.Combine(dir, ".metrics.csv.0123.tmp")}'", 28);
        }, "train"), out var stderr);
        AssertOneLine(code, stderr, $"error: train: cannot write '{target}': the disk is full (no space left on the device).");
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void DiskFull_OnStandardOutput_SaysSo()
    {
        Assert.Equal("cannot write the output: the disk is full (no space left on the device).",
            CliErrors.Describe(new IOException("No space left on device", 28)));
    }

    private static int CliErrorsRun(Action action, out string stderr)
    {
        var original = Console.Error;
        var writer = new StringWriter { NewLine = "\n" };
        Console.SetError(writer);
        try
        {
            return CliErrors.Run(() => { action(); return 0; });
        }
        finally
        {
            Console.SetError(original);
            stderr = writer.ToString();
        }
    }
}
