using System.Diagnostics;

namespace SharpGrad.Distributed.Tests;

/// <summary>Starts programs under mpirun (Open MPI's, or MPICH's mpirun.mpich) and collects what they print.</summary>
internal static class MpiRun
{
    public static string? OpenMpi { get; } = Find("mpirun.openmpi") ?? Find("mpirun");

    public static string? Mpich { get; } = Find("mpirun.mpich");

    public static string BinFolder => AppContext.BaseDirectory;

    /// <summary>The repository root (where SharpGrad.sln is).</summary>
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>Runs <c>mpirun -np N dotnet DLL args</c> with Open MPI; <paramref name="tcp"/> limits it to TCP on loopback, as between machines.</summary>
    public static Result OpenMpiRun(int ranks, bool tcp, string dll, params string[] args)
    {
        var launcher = new List<string> { "--oversubscribe", "--allow-run-as-root", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (tcp) launcher.AddRange(["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"]);
        return Run(OpenMpi ?? throw new InvalidOperationException("mpirun is not installed"), [.. launcher, "dotnet", dll, .. args]);
    }

    public static Result MpichRun(int ranks, string dll, params string[] args) =>
        Run(Mpich ?? throw new InvalidOperationException("mpirun.mpich is not installed"),
            ["-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", dll, .. args]);

    public static string Worker => Path.Combine(BinFolder, "SharpGrad.Distributed.Worker.dll");

    public static Result Run(string program, IEnumerable<string> args, TimeSpan? limit = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["TERM"] = "dumb";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        // Several ranks on a two-core machine: one kernel thread each keeps them from fighting over the cores.
        info.Environment["DOTNET_PROCESSOR_COUNT"] = "1";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit ?? TimeSpan.FromMinutes(4)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish in time.\n{stderr.Result}");
        }
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result, clock.Elapsed);
    }

    private static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpGrad.sln")))
                return dir.FullName;
        throw new InvalidOperationException("SharpGrad.sln not found above " + AppContext.BaseDirectory);
    }

    public sealed record Result(int ExitCode, string Out, string Error, TimeSpan Elapsed)
    {
        /// <summary>The value printed by <paramref name="rank"/> after "rank R key: ".</summary>
        public string Value(int rank, string key)
        {
            string prefix = $"rank {rank} {key}: ";
            foreach (var line in Out.Split('\n'))
            {
                int at = line.IndexOf(prefix, StringComparison.Ordinal);
                if (at >= 0) return line[(at + prefix.Length)..].TrimEnd('\r');
            }
            throw new Xunit.Sdk.XunitException($"rank {rank} printed no \"{key}\".\nstdout:\n{Out}\nstderr:\n{Error}");
        }

        public double[] Numbers(int rank, string key) =>
            [.. Value(rank, key).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
    }
}

/// <summary>A test that needs Open MPI's mpirun; skipped where it is not installed (.ci/run installs it).</summary>
internal sealed class OpenMpiFactAttribute : FactAttribute
{
    public OpenMpiFactAttribute()
    {
        if (MpiRun.OpenMpi is null) Skip = "Open MPI's mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev).";
    }
}

/// <summary>A test that needs MPICH's mpirun.mpich; skipped where it is not installed.</summary>
internal sealed class MpichFactAttribute : FactAttribute
{
    public MpichFactAttribute()
    {
        if (MpiRun.Mpich is null) Skip = "MPICH's mpirun.mpich is not installed (apt-get install mpich).";
    }
}
