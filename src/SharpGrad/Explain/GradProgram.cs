namespace SharpGrad.Explain;

/// <summary>
/// A parsed and checked <c>.grad</c> program: declarations (param, input, target) and
/// assignments, in order, with the computation graph and every node's static shape. Parsing
/// checks syntax, names (undefined, defined twice, used before defined, cycles) and shapes,
/// so a program that parses can be evaluated as soon as every declaration has a value.
/// <code>
/// var program = GradProgram.Load("examples/e9.grad");
/// var result = program.Evaluate();                  // objective: the last assignment, J
/// Console.WriteLine(result.Gradient("W1"));         // ∂J/∂W1 by the autograd engine
/// </code>
/// </summary>
public sealed class GradProgram
{
    private GradProgram(string source, string? fileName, IReadOnlyList<Statement> statements, ComputationGraph graph, IReadOnlyList<ConvLayer>? convLayers = null)
    {
        ConvLayers = convLayers ?? [];
        Source = source;
        FileName = fileName;
        Statements = statements;
        Graph = graph;
        Declarations = statements.OfType<Declaration>().ToArray();
        Assignments = statements.OfType<Assignment>().ToArray();
    }

    /// <summary>The program text.</summary>
    public string Source { get; }

    /// <summary>The file it came from, or the name given to <see cref="Parse"/>; used in error messages.</summary>
    public string? FileName { get; }

    /// <summary>Every statement in program order.</summary>
    public IReadOnlyList<Statement> Statements { get; }

    /// <summary>The param, input and target declarations in program order.</summary>
    public IReadOnlyList<Declaration> Declarations { get; }

    /// <summary>
    /// The declared convolutional layers (<c>conv NAME: in D, out C, kernel F, ...</c>), in program
    /// order: metadata for <c>sharpgrad shapes</c> (spec E4, E10), not nodes of the graph.
    /// </summary>
    public IReadOnlyList<ConvLayer> ConvLayers { get; }

    /// <summary>The assignments in program order.</summary>
    public IReadOnlyList<Assignment> Assignments { get; }

    /// <summary>The objective used when none is named: the last assignment.</summary>
    public Assignment DefaultObjective => Assignments[^1];

    /// <summary>The computation graph, with static shapes.</summary>
    public ComputationGraph Graph { get; }

    /// <summary>
    /// Parses and checks a program. Throws <see cref="GradProgramException"/> with the line and
    /// column of the first mistake (syntax, names, cycles, ragged literals, shapes).
    /// </summary>
    public static GradProgram Parse(string text, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return AmpleStack.Run(() => Build(text, fileName));
    }

    private static GradProgram Build(string text, string? fileName)
    {
        try
        {
            var statements = Parser.ParseProgram(text, out var convLayers);
            if (!statements.OfType<Assignment>().Any())
                throw new GradProgramException("the program has no assignment; its objective is the last line of the form NAME = expression");
            var graph = GraphBuilder.Build(statements);
            foreach (var layer in convLayers)
                if (statements.Any(s => s.Name == layer.Name))
                    throw new GradProgramException($"'{layer.Name}' is both a conv layer and a name of the program; give the layer another name", layer.Position);
            return new GradProgram(text, fileName, statements, graph, convLayers);
        }
        catch (GradProgramException e)
        {
            throw e.WithFile(fileName);
        }
    }

    /// <summary>Reads and parses the program in <paramref name="path"/>.</summary>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    /// <exception cref="IOException">The file is missing or the path names a folder.</exception>
    public static GradProgram Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (string.IsNullOrWhiteSpace(path))
            throw new ArgumentException("The .grad file name is empty.");
        // Reading a folder fails with "access denied", which sends people looking at permissions.
        if (Directory.Exists(path))
            throw new IOException($"'{path}' is a folder, not a .grad program.");
        return Parse(ReadText(path), path);
    }

    /// <summary>How long opening a program file may take before it is taken for a pipe that nothing writes to.</summary>
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The most bytes a program file may hold: far beyond any program written by hand or generated for a course.</summary>
    public const int MaxFileBytes = 16 << 20;

    /// <summary>
    /// The file's text, read no further than <see cref="MaxFileBytes"/>: a device that never ends (/dev/zero) or a
    /// file of gigabytes is refused at once rather than read until memory runs out; bytes that are not UTF-8 are an
    /// error at their line and column. <paramref name="kind"/> says what the file should be.
    /// </summary>
    internal static string ReadText(string path, string kind = "a .grad program is a text of declarations and assignments")
    {
        // Opening a named pipe waits for a writer, possibly for ever; it is opened on a thread of its own, and given up
        // (that thread left waiting in the background) when it takes longer than any file does.
        var opening = Task.Factory.StartNew(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (Task.WhenAny(opening, Task.Delay(OpenTimeout)).GetAwaiter().GetResult() != opening)
            throw new IOException($"'{path}' is not a regular file: opening it waits for something to write to it (a named pipe?); give the program as a file.");
        using var stream = opening.GetAwaiter().GetResult();
        var buffer = new byte[Math.Min(MaxFileBytes + 1, stream.CanSeek && stream.Length > 0 ? (int)Math.Min(stream.Length + 1, MaxFileBytes + 1) : 1 << 16)];
        int length = 0, read;
        while (length <= MaxFileBytes && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            if (length == buffer.Length && length <= MaxFileBytes) Array.Resize(ref buffer, Math.Min(buffer.Length * 2, MaxFileBytes + 1));
        }
        if (length > MaxFileBytes)
            throw new IOException($"'{path}' holds more than {MaxFileBytes >> 20} MiB; {kind}.");
        var bytes = buffer.AsSpan(0, length);
        // A file with a byte-order mark says its encoding (UTF-16 saved by an editor); any other is read as UTF-8.
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            using var reader = new StreamReader(new MemoryStream(buffer, 0, length), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            // Latin-1's é (0xE9) would read as U+FFFD and be reported as an odd character; the encoding is what is wrong.
            int at = Math.Clamp(e.Index, 0, bytes.Length - 1);
            var before = System.Text.Encoding.UTF8.GetString(bytes[..at]);
            int line = before.Count(c => c == '\n') + 1, column = before.Length - (before.LastIndexOf('\n') + 1) + 1;
            throw new GradProgramException($"the file is not valid UTF-8 here (byte 0x{bytes[at]:X2}); save it as UTF-8", new SourcePosition(line, column), path);
        }
    }

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Parses a value as written after <c>=</c> in a declaration or given to <c>--set</c>: a number
    /// (<c>3</c>, <c>-1e-3</c>) or a rectangular array literal (<c>[[1], [-1]]</c>), as a float64 tensor.
    /// </summary>
    public static Tensor ParseValue(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parser.ParseValue(text).ToTensor();
    }

    /// <summary>
    /// Evaluates the program and differentiates the objective with the autograd engine: values of
    /// every node and ∂objective/∂node for every param, input, target and intermediate.
    /// <paramref name="overrides"/> gives (or replaces) values of declarations by name; a
    /// declaration without a value in the program must be given one here. The objective is
    /// <paramref name="objective"/>, or the last assignment; it must hold a single number.
    /// </summary>
    public ProgramEvaluation Evaluate(IReadOnlyDictionary<string, Tensor>? overrides = null, string? objective = null)
    {
        try
        {
            return Evaluator.Run(this, overrides, objective);
        }
        catch (GradProgramException e)
        {
            throw e.WithFile(FileName);
        }
    }

    /// <summary>The program text.</summary>
    public override string ToString() => Source;
}
