namespace SharpGrad.IO;

/// <summary>
/// Writes a file so that readers see either the old content or the complete new content, never
/// a half-written file: the bytes go to a temporary file in the same directory (so the final
/// rename stays on one volume and is atomic), which replaces the target only after it has been
/// written and flushed. On any failure the temporary file is deleted and the target is untouched.
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
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{caller}: '{path}' is not a file path.", nameof(path));
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"{caller}: cannot write '{full}' because the directory '{directory}' does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"{caller}: cannot write '{full}' because it is a directory.");
        // The name starts with a dot and ends in .tmp so that a leftover from a killed process is
        // easy to recognise; the GUID keeps concurrent saves to the same target apart.
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
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

    /// <summary>ENOSPC on Linux and macOS (.NET reports the errno as the HResult); ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.</summary>
    public static bool IsDiskFull(IOException e) => e.HResult is 28 or unchecked((int)0x80070070) or unchecked((int)0x80070027);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original exception matters more than a temporary file we could not remove.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
