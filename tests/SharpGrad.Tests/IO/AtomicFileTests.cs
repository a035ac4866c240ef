using SharpGrad.IO;

namespace SharpGrad.Tests.IO;

/// <summary>Temporary files of interrupted writes are cleaned up; those of writes in progress are not.</summary>
public class AtomicFileTests
{
    private const string Guid1 = "0123456789abcdef0123456789abcdef";
    private const string Guid2 = "fedcba9876543210fedcba9876543210";

    [Fact]
    public void Write_RemovesTheTemporaryFileAKilledWriteOfTheSameTargetLeft()
    {
        using var dir = new TempDirectory();
        // What a process killed in the middle of SafeTensors.Save leaves: half a file under the temporary name.
        File.WriteAllBytes(dir.File($".ckpt.safetensors.{Guid1}.tmp"), [8, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        // Files that only look similar belong to someone else.
        string[] unrelated = [".ckpt.safetensors.tmp", $".other.bin.{Guid2}.tmp", $"ckpt.safetensors.{Guid2}.tmp", $".ckpt.safetensors.{Guid2.ToUpperInvariant()}.tmp"];
        foreach (var name in unrelated) File.WriteAllText(dir.File(name), "keep");

        SafeTensors.Save(dir.File("ckpt.safetensors"), new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(2) });

        Assert.Equal([.. unrelated.Append("ckpt.safetensors").Order(StringComparer.Ordinal)], dir.FileNames());
        Assert.Equal([1f, 1f], SafeTensors.Load(dir.File("ckpt.safetensors")).Tensors["w"].ToArray<float>());
    }

    [Fact]
    public void Write_ThroughASymbolicLink_ReplacesTheFileItLeadsTo_AndKeepsTheLink()
    {
        if (OperatingSystem.IsWindows()) return;   // links need privileges there
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("target.csv"), "old");
        File.CreateSymbolicLink(dir.File("link.csv"), dir.File("target.csv"));
        File.CreateSymbolicLink(dir.File("dangling.csv"), dir.File("new.csv"));

        AtomicFile.Write(dir.File("link.csv"), s => s.Write("new"u8), "test");
        AtomicFile.Write(dir.File("dangling.csv"), s => s.Write("made"u8), "test");

        Assert.Equal(dir.File("target.csv"), new FileInfo(dir.File("link.csv")).LinkTarget);
        Assert.Equal("new", File.ReadAllText(dir.File("target.csv")));
        Assert.Equal(dir.File("new.csv"), new FileInfo(dir.File("dangling.csv")).LinkTarget);
        Assert.Equal("made", File.ReadAllText(dir.File("new.csv")));
    }

    [Fact]
    public void Write_ToADevice_WritesInPlace_SoAFullDeviceIsADiskFullError()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/dev/full")) return;
        // Renamed over, /dev/full would become a file holding "abcd" and the write would report success.
        var e = Assert.Throws<IOException>(() => AtomicFile.Write("/dev/full", s => s.Write("abcd"u8), "test"));
        Assert.Equal("test: cannot write '/dev/full': the disk is full (no space left on the device).", e.Message);
        using var device = File.OpenRead("/dev/full");
        var read = new byte[4];
        device.ReadExactly(read);
        Assert.Equal(new byte[4], read);   // the device reads zeros; a file would read "abcd"
    }

    [Fact]
    public void RemoveAbandoned_DeletesLeftoversOfEveryTargetInTheFolder()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File($".checkpoint.safetensors.{Guid1}.tmp"), "");
        File.WriteAllText(dir.File($".metrics.csv.{Guid2}.tmp"), "epoch,");
        File.WriteAllText(dir.File("metrics.csv"), "epoch\n");
        Assert.Equal(2, AtomicFile.RemoveAbandoned(dir.Path));
        Assert.Equal(["metrics.csv"], dir.FileNames());
    }

    [Fact]
    public void Write_KeepsTheTemporaryFileOfAWriteStillInProgress()
    {
        using var dir = new TempDirectory();
        string target = dir.File("model.bin");
        string[]? duringOuter = null;
        AtomicFile.Write(target, outer =>
        {
            outer.Write([1, 2, 3]);
            outer.Flush();
            // A second write to the same target starts (and finishes) while this one is still writing.
            AtomicFile.Write(target, inner => inner.Write([9]), "test");
            duringOuter = dir.FileNames();
            outer.Write([4]);
        }, "test");

        Assert.NotNull(duringOuter);
        Assert.Equal(2, duringOuter!.Length); // the finished inner target and the outer write's temporary file
        Assert.Contains("model.bin", duringOuter);
        Assert.Equal(["model.bin"], dir.FileNames());
        Assert.Equal([1, 2, 3, 4], File.ReadAllBytes(target)); // the write that finished last wins, complete
    }
}
