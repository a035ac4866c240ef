namespace SharpGrad.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never
/// a half-written file: the bytes go to a temporary file in the same directory (so the final
/// rename stays on one volume and is atomic), which replaces the target only after it has been
/// written and flushed. On any failure the temporary file is deleted and the target is untouched.
/// A process killed mid-write cannot delete its temporary file, so every write first removes the
/// abandoned temporary files of its target (<see cref="RemoveAbandoned(string)"/> does it for a folder):
/// a temporary file is abandoned when no process holds it open, which the exclusive lock its
/// writer takes tells apart from a write in progress.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/>; <paramref name="caller"/>
    /// names the operation in error messages.
    /// </summary>
    public static void Write(string path, Action<Stream> write, string caller)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Target(Path.GetFullPath(path));
        if (IsDevice(full))
        {
            WriteInPlace(full, write, caller);
            return;
        }
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{caller}: '{path}' is not a file path.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException(File.Exists(directory)
                ? $"{caller}: cannot write '{full}' because '{directory}' is a file, not a directory."
                : $"{caller}: cannot write '{full}' because the directory '{directory}' does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"{caller}: cannot write '{full}' because it is a directory.");
        string name = Path.GetFileName(full);
        RemoveAbandonedFiles(directory, name);
        // The name starts with a dot and ends in .tmp so that a leftover from a killed process is
        // easy to recognise; the GUID keeps concurrent saves to the same target apart.
        string temp = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            bool moved = false;
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
                // Renaming while the lock is still held leaves no moment in which another writer's
                // clean-up could take the finished file for an abandoned one. Windows cannot rename
                // a file it holds open this way, and there no other process can open it meanwhile.
                if (!OperatingSystem.IsWindows())
                {
                    File.Move(temp, full, overwrite: true);
                    moved = true;
                }
            }
            if (!moved)
                File.Move(temp, full, overwrite: true);
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            // The system's message names the temporary file, which means nothing to the reader.
            TryDelete(temp);
            throw new IOException($"{caller}: cannot write '{full}': the disk is full (no space left on the device).", e.HResult);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// The file a write to <paramref name="full"/> replaces: through a symbolic link, the file it leads to, so that the
    /// link stays a link (a dangling one gets its file).
    /// </summary>
    private static string Target(string full)
    {
        try
        {
            return new FileInfo(full).LinkTarget is null ? full : File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;   // a cycle of links: the write below says what is wrong
        }
    }

    /// <summary>
    /// A device such as /dev/null, /dev/full or /dev/stdout: it is written in place, since a file renamed over it would
    /// replace the device (and /dev/full would report success).
    /// </summary>
    private static bool IsDevice(string full) =>
        !OperatingSystem.IsWindows() && (full.StartsWith("/dev/", StringComparison.Ordinal) || full.StartsWith("/proc/", StringComparison.Ordinal)) && File.Exists(full);

    private static void WriteInPlace(string full, Action<Stream> write, string caller)
    {
        try
        {
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            write(stream);
            stream.Flush();
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            throw new IOException($"{caller}: cannot write '{full}': the disk is full (no space left on the device).", e.HResult);
        }
    }

    /// <summary>ENOSPC on Linux and macOS (.NET reports the errno as the HResult); ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException e) => e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);

    /// <summary>
    /// Deletes the temporary files that interrupted writes left in <paramref name="directory"/>
    /// (".NAME.GUID.tmp", for any target NAME), keeping those that a write in progress holds open,
    /// and returns how many were deleted. Call it when a program starts writing into a folder.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="directory"/> does not exist.</exception>
    public static int RemoveAbandoned(string directory) => RemoveAbandonedFiles(directory, null);

    private static int RemoveAbandonedFiles(string directory, string? target)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        int removed = 0;
        foreach (var path in Directory.EnumerateFiles(directory, target is null ? ".*.tmp" : $".{target}.*.tmp"))
        {
            if (!IsTemporaryName(Path.GetFileName(path), target) || InUse(path))
                continue;
            if (TryDelete(path))
                removed++;
        }
        return removed;
    }

    /// <summary>Whether <paramref name="name"/> is ".TARGET.GUID.tmp" with a 32-digit hexadecimal GUID (and the given target, if any).</summary>
    private static bool IsTemporaryName(string name, string? target)
    {
        const int GuidLength = 32, Suffix = 4; // ".tmp"
        int guidStart = name.Length - Suffix - GuidLength;
        if (guidStart < 3 || name[0] != '.' || name[guidStart - 1] != '.' || !name.EndsWith(".tmp", StringComparison.Ordinal))
            return false;
        if (target is not null && (guidStart - 2 != target.Length || string.CompareOrdinal(name, 1, target, 0, target.Length) != 0))
            return false;
        foreach (char c in name.AsSpan(guidStart, GuidLength))
            if (!char.IsAsciiHexDigitLower(c))
                return false;
        return true;
    }

    /// <summary>Whether a writer holds <paramref name="path"/> open: its exclusive lock makes opening it exclusively fail.</summary>
    private static bool InUse(string path)
    {
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return true; // gone already: its writer renamed it
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true; // not ours to remove
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException)
        {
            // The original exception, or the write about to start, matters more than a temporary file we could not remove.
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
