namespace SharpGrad;

/// <summary>
/// Arrays kept for reuse between memory scopes, by element type and exact length: a training loop
/// asks for the same shapes every step, so exact sizes match without the waste of rounding up, and
/// a tensor's array is never longer than the tensor (code may rely on that). One pool per thread that
/// begins scopes; a scope that flows to other threads keeps using its own pool, so access is locked
/// (uncontended in an ordinary loop). Bounded by <see cref="MaxBytes"/>; beyond it returned arrays are simply dropped.
/// </summary>
internal sealed class BufferPool
{
    private readonly Dictionary<long, Stack<Array>> free = [];
    private readonly Stack<List<Storage>> lists = new();
    private readonly Lock sync = new();

    public long MaxBytes { get; set; } = 1L << 30;

    public long Bytes { get; private set; }

    public Array Rent(DType dtype, int length, bool zeroed)
    {
        Array? array = null;
        lock (sync)
        {
            if (free.TryGetValue(Key(dtype, length), out var stack) && stack.Count > 0)
            {
                array = stack.Pop();
                Bytes -= (long)length * dtype.ElementSize();
            }
        }
        if (array is not null)
        {
            if (zeroed)
                Array.Clear(array);
            return array;
        }
        Array fresh = dtype switch
        {
            DType.Float32 => GC.AllocateUninitializedArray<float>(length),
            DType.Float64 => GC.AllocateUninitializedArray<double>(length),
            _ => GC.AllocateUninitializedArray<int>(length),
        };
        if (zeroed)
            Array.Clear(fresh);
        return fresh;
    }

    public void Return(DType dtype, Array array)
    {
        long bytes = (long)array.Length * dtype.ElementSize();
        long key = Key(dtype, array.Length);
        lock (sync)
        {
            if (Bytes + bytes > MaxBytes)
                return;
            if (!free.TryGetValue(key, out var stack))
                free[key] = stack = new Stack<Array>();
            stack.Push(array);
            Bytes += bytes;
        }
    }

    public void Clear()
    {
        lock (sync)
        {
            free.Clear();
            Bytes = 0;
        }
    }

    /// <summary>A cleared list for a new scope's bookkeeping, reused so that a scope costs no list growth.</summary>
    public List<Storage> TakeList()
    {
        lock (sync)
            return lists.Count > 0 ? lists.Pop() : new List<Storage>(64);
    }

    public void GiveList(List<Storage> list)
    {
        lock (sync)
            lists.Push(list);
    }

    private static long Key(DType dtype, int length) => ((long)length << 2) | (long)dtype;
}
