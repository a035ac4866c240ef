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
/// must outlive the step. Create models and optimisers outside the scope. Scopes nest and flow with
/// the async context (as <see cref="Autograd.NoGrad"/> does): they hold across <c>await</c>, and
/// tasks or parallel loops started inside a scope allocate from it too.
/// </summary>
/// <example>
/// <code>
/// foreach (var (x, y) in loader.InMemoryScopes())   // each step, its batch included, in its own scope
/// {
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
    // The innermost scope flows with the async context, like Autograd.NoGrad: it holds across
    // await, tasks and parallel loops started inside it allocate from it, and work that merely
    // runs later on the same thread does not. Several threads may therefore allocate from one
    // scope at once, so its list and its pool are locked (uncontended in the common loop).
    private static readonly AsyncLocal<MemoryScope?> current = new();

    // Scopes begun and not yet disposed, on any thread. Every tensor allocation asks for the current
    // scope, and reading an AsyncLocal costs more than the rest of allocating a scalar; when no scope is
    // alive anywhere, none can be current, so the lookup is skipped.
    private static int liveScopes;

    // The pool that scopes begun on this thread borrow from; a scope keeps its pool even when it
    // is used or disposed on other threads.
    [ThreadStatic]
    private static BufferPool? pool;

    private readonly MemoryScope? parent;
    private readonly BufferPool buffers;
    private readonly Lock sync = new();
    private List<Storage>? tracked;

    private MemoryScope(MemoryScope? parent, BufferPool buffers)
    {
        this.parent = parent;
        this.buffers = buffers;
        tracked = buffers.TakeList();
    }

    /// <summary>
    /// The innermost active scope of this async flow, or null. Scopes disposed elsewhere (by
    /// another thread or flow) are skipped, so a flow never allocates from an ended scope.
    /// </summary>
    internal static MemoryScope? Current
    {
        get
        {
            if (Volatile.Read(ref liveScopes) == 0)
                return null;
            var scope = current.Value;
            while (scope is not null && scope.tracked is null)
                scope = scope.parent;
            return scope;
        }
    }

    /// <summary>Starts a scope in the calling async flow; dispose it to give its tensors' memory back.</summary>
    public static MemoryScope Begin()
    {
        var scope = new MemoryScope(Current, pool ??= new BufferPool());
        Interlocked.Increment(ref liveScopes);
        current.Value = scope;
        return scope;
    }

    /// <summary>Whether a scope is active in the calling async flow.</summary>
    public static bool IsActive => Current is not null;

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
    /// afterwards. Ends the scope even when inner scopes were left undisposed. Disposing on
    /// another thread or in another async flow is allowed: the scope ends everywhere, and only the
    /// flow that sees it as its innermost scope (or an ancestor of that) goes back to its parent.
    /// </summary>
    public void Dispose()
    {
        List<Storage>? list;
        lock (sync)
        {
            list = tracked;
            tracked = null;
        }
        if (list is null)
            return;
        Interlocked.Decrement(ref liveScopes);
        if (IsInCurrentChain())
        {
            var outer = parent;
            while (outer is not null && outer.tracked is null)
                outer = outer.parent;
            current.Value = outer;
        }
        foreach (var storage in list)
        {
            if (storage.IsKept)
                continue;
            if (!storage.Device.IsCpu)
                storage.ReleaseBuffer();
            else if (storage.TakeArray() is { } array)
                buffers.Return(storage.DType, array);
        }
        list.Clear();
        buffers.GiveList(list);
    }

    /// <summary>
    /// A pooled storage tracked by this scope, or null when the scope ended meanwhile (disposed by
    /// another flow), in which case the caller allocates ordinary memory.
    /// </summary>
    internal Storage? TryAllocate(DType dtype, int length, bool zeroed)
    {
        lock (sync)
        {
            if (tracked is null)
                return null;
            var storage = new Storage(buffers.Rent(dtype, length, zeroed), dtype) { IsPooled = true };
            tracked.Add(storage);
            return storage;
        }
    }

    /// <summary>Tracks a device storage, whose buffer goes back to its backend's cache when the scope ends.</summary>
    internal void Track(Storage storage)
    {
        lock (sync)
            tracked?.Add(storage);
    }

    private bool IsInCurrentChain()
    {
        for (var s = current.Value; s is not null; s = s.parent)
            if (ReferenceEquals(s, this)) return true;
        return false;
    }
}
