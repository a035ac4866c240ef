namespace SharpGrad;

/// <summary>
/// A region of code, typically one training step, whose tensors borrow their memory from a pool
/// and give it back when the scope is disposed, so that a loop repeating the same shapes allocates
/// almost nothing after its first pass (no large arrays, no garbage collections of activations and
/// gradients). .NET has no reference counts to tell when the last view of a buffer dies, so the
/// lifetime is made explicit instead: every tensor created inside the scope (and not kept) is
/// invalid after it, and touching one throws an <see cref="ObjectDisposedException"/> rather than
/// reading memory another step now uses. Parameters, gradients accumulated into leaves, optimiser
/// state and module buffers are kept automatically; call <see cref="Keep"/> for anything else that
/// must outlive the step. Create models and optimisers outside the scope. Scopes nest and belong to
/// the thread that began them; the pool is per thread.
/// </summary>
/// <example>
/// <code>
/// foreach (var (x, y) in loader)
/// {
///     using var step = MemoryScope.Begin();
///     var loss = Functional.CrossEntropy(model.Call(x), y);
///     optimizer.ZeroGrad();
///     loss.Backward();
///     optimizer.Step();
///     total += loss.Item();   // read values inside the scope
/// }
/// </code>
/// </example>
public sealed class MemoryScope : IDisposable
{
    [ThreadStatic]
    private static MemoryScope? current;

    [ThreadStatic]
    private static BufferPool? pool;

    private readonly MemoryScope? parent;
    private readonly BufferPool buffers;
    private List<Storage>? tracked;
    private bool disposed;

    private MemoryScope(MemoryScope? parent, BufferPool buffers)
    {
        this.parent = parent;
        this.buffers = buffers;
        tracked = buffers.TakeList();
    }

    /// <summary>The innermost active scope on this thread, or null.</summary>
    internal static MemoryScope? Current => current;

    /// <summary>Starts a scope on the calling thread; dispose it to give its tensors' memory back.</summary>
    public static MemoryScope Begin()
    {
        var scope = new MemoryScope(current, pool ??= new BufferPool());
        current = scope;
        return scope;
    }

    /// <summary>Whether a scope is active on the calling thread.</summary>
    public static bool IsActive => current is not null;

    /// <summary>
    /// Makes <paramref name="tensor"/> (and every view of its storage) outlive the scope it was
    /// created in; its memory is then never returned to the pool. Returns the tensor.
    /// </summary>
    public static Tensor Keep(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Storage.IsKept = true;
        return tensor;
    }

    /// <summary>The most bytes this thread's pool holds between scopes; arrays beyond it are left to the garbage collector. Default 1 GiB.</summary>
    public static long MaxPooledBytes
    {
        get => (pool ??= new BufferPool()).MaxBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            (pool ??= new BufferPool()).MaxBytes = value;
        }
    }

    /// <summary>The bytes this thread's pool currently holds for reuse.</summary>
    public static long PooledBytes => pool?.Bytes ?? 0;

    /// <summary>Empties this thread's pool, leaving its arrays to the garbage collector.</summary>
    public static void Trim() => pool?.Clear();

    /// <summary>
    /// Gives every tensor created in this scope (and not kept) back to the pool; they are invalid
    /// afterwards. Ends the scope even when inner scopes were left undisposed.
    /// </summary>
    public void Dispose()
    {
        if (disposed)
            return;
        disposed = true;
        if (ReferenceEquals(current, this) || IsAncestorOfCurrent())
            current = parent;
        var list = tracked!;
        tracked = null;
        foreach (var storage in list)
        {
            if (storage.IsKept)
                continue;
            if (storage.TakeArray() is { } array)
                buffers.Return(storage.DType, array);
        }
        list.Clear();
        buffers.GiveList(list);
    }

    internal Array Rent(DType dtype, int length, bool zeroed) => buffers.Rent(dtype, length, zeroed);

    internal void Track(Storage storage) => tracked!.Add(storage);

    private bool IsAncestorOfCurrent()
    {
        for (var s = current; s is not null; s = s.parent)
            if (ReferenceEquals(s, this)) return true;
        return false;
    }
}
