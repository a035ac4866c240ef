namespace SharpGrad.Kernels;

/// <summary>
/// The iteration space of an elementwise kernel over up to three strided operands, with
/// adjacent dimensions merged wherever every operand allows it (PyTorch's TensorIterator does
/// the same). After merging, a contiguous tensor is one long row and a broadcast bias is a
/// row with stride 0, so the inner loop can run on spans. Rows are addressed by index, which
/// lets the partitioner hand any range of rows to any thread.
/// </summary>
internal readonly struct StridedLayout
{
    private readonly int[] outerShape;
    private readonly int[][] outerStrides;

    private StridedLayout(int[] outerShape, int[][] outerStrides, int rowLength, int[] innerStrides)
    {
        this.outerShape = outerShape;
        this.outerStrides = outerStrides;
        RowLength = rowLength;
        InnerStrides = innerStrides;
        int rows = 1;
        foreach (int d in outerShape) rows *= d;
        RowCount = rowLength == 0 ? 0 : rows;
    }

    public int RowCount { get; }

    public int RowLength { get; }

    /// <summary>The stride of each operand along the row.</summary>
    public int[] InnerStrides { get; }

    // The inner strides of one-row layouts over (a, b, dst): full-size operands step by 1, single
    // elements by 0. Shared because layouts never write them.
    private static readonly int[][] RowStrides = [[0, 0, 1], [1, 0, 1], [0, 1, 1], [1, 1, 1]];
    private static readonly int[][] NoOuterStrides = [[], [], []];

    /// <summary>
    /// The layout of a binary op whose operands are each contiguous and full-size
    /// (<paramref name="aFull"/>, <paramref name="bFull"/>) or a single broadcast element, over a
    /// contiguous result of <paramref name="length"/> elements: one row, built without merging
    /// dimensions, which is most of the cost of an op on small tensors.
    /// </summary>
    public static StridedLayout BinaryRow(int length, bool aFull, bool bFull) =>
        new([], NoOuterStrides, length, RowStrides[(aFull ? 1 : 0) + (bFull ? 2 : 0)]);

    /// <summary>Builds the merged layout; each element of <paramref name="strides"/> has one stride per dimension of <paramref name="shape"/>.</summary>
    public static StridedLayout Create(ReadOnlySpan<int> shape, params int[][] strides)
    {
        int ops = strides.Length;
        var dims = new List<int>(shape.Length);
        var st = new List<int[]>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue; // size-1 dimensions never move an offset
            var s = new int[ops];
            for (int k = 0; k < ops; k++) s[k] = strides[k][i];
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                bool mergeable = true;
                for (int k = 0; k < ops; k++)
                    if (st[last][k] != s[k] * shape[i]) { mergeable = false; break; }
                if (mergeable)
                {
                    dims[last] *= shape[i];
                    st[last] = s;
                    continue;
                }
            }
            dims.Add(shape[i]);
            st.Add(s);
        }
        if (ShapeHasZero(shape))
            return new StridedLayout([], EmptyStrides(ops), 0, new int[ops]);
        if (dims.Count == 0)
            return new StridedLayout([], EmptyStrides(ops), 1, new int[ops]);
        int outerRank = dims.Count - 1;
        var outer = new int[outerRank];
        var outerSt = new int[ops][];
        for (int k = 0; k < ops; k++) outerSt[k] = new int[outerRank];
        for (int i = 0; i < outerRank; i++)
        {
            outer[i] = dims[i];
            for (int k = 0; k < ops; k++) outerSt[k][i] = st[i][k];
        }
        return new StridedLayout(outer, outerSt, dims[^1], st[^1]);
    }

    /// <summary>Writes each operand's offset (relative to its base) at the start of <paramref name="row"/>.</summary>
    public void RowOffsets(int row, Span<int> offsets)
    {
        offsets.Clear();
        for (int i = outerShape.Length - 1; i >= 0; i--)
        {
            int d = outerShape[i];
            int idx = row % d;
            row /= d;
            for (int k = 0; k < offsets.Length; k++) offsets[k] += idx * outerStrides[k][i];
        }
    }

    private static bool ShapeHasZero(ReadOnlySpan<int> shape)
    {
        foreach (int d in shape) if (d == 0) return true;
        return false;
    }

    private static int[][] EmptyStrides(int ops)
    {
        var r = new int[ops][];
        for (int k = 0; k < ops; k++) r[k] = [];
        return r;
    }
}
