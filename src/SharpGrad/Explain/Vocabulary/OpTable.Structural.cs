using System.Globalization;

namespace SharpGrad.Explain;

/// <summary>
/// The structural ops (transpose, indexing, per-axis reductions, convolution, pooling) and the one
/// resolver of a call as written, shared by the program parser and the check-expression parser so
/// that both languages read <c>sum(X, 0)</c>, <c>max(X, axis=1)</c>, <c>ln</c> and <c>dot</c> alike.
/// Ops that carry a setting (an axis, an index, a stride) are rows made for that setting; each still
/// evaluates through one engine op, so autograd records it with its own op code.
/// </summary>
public static partial class OpTable
{
    /// <summary>Callable names that are not rows of their own: spellings of rows and ops made per call.</summary>
    private static string[] Spellings => ["avgpool", "concat", "conv2d", "dot", "ln", "maxpool", "norm", "rot180", "transpose", "upsample"];

    /// <summary>The transpose of a matrix (a vector or a scalar is its own transpose): <c>Wᵀ</c>, <c>W.T</c>, <c>transpose(W)</c>.</summary>
    public static OpInfo Transpose { get; } = new("transpose", 1, OpKind.Structural,
        a => a[0].Rank < 2 ? a[0].Clone() : a[0].Transpose(0, 1), "transpose of a matrix",
        "$aᵀ", "{$a}^{\\top}", isFunction: false, shape: TransposeShape);

    /// <summary>
    /// Resolves a call as written: <paramref name="literals"/> holds, for each argument, its value when
    /// it is a plain number (else null), and <paramref name="options"/> the <c>name=number</c> settings.
    /// Returns the op and how many leading arguments are its operands (the rest were settings), or null
    /// and an error message without a position.
    /// </summary>
    internal static OpInfo? Resolve(string name, IReadOnlyList<double?> literals, IReadOnlyDictionary<string, double> options,
        out int operands, out string? error)
    {
        int count = literals.Count;
        operands = count;
        error = null;
        // PyTorch's dim= is the axis= of the language (sum(X, dim=0), softmax(S, dim=-1)), and NumPy's keepdims= its keepdim=.
        if ((options.ContainsKey("dim") && !options.ContainsKey("axis")) || (options.ContainsKey("keepdims") && !options.ContainsKey("keepdim")))
            options = options.ToDictionary(o => o.Key switch { "dim" => "axis", "keepdims" => "keepdim", _ => o.Key }, o => o.Value, StringComparer.Ordinal);
        string[] allowed = name switch
        {
            "sum" or "mean" or "max" or "min" => ["axis", "keepdim"],
            "conv2d" => ["stride", "padding"],
            "maxpool" or "avgpool" => ["stride"],
            "softmax" or "log_softmax" or "concat" => ["axis"],
            _ => [],
        };
        foreach (var (key, value) in options)
        {
            if (!allowed.Contains(key))
            {
                error = allowed.Length == 0 ? $"'{name}' takes no setting '{key}='" : $"'{name}' takes {string.Join(" or ", allowed.Select(o => o + "="))}, not '{key}='";
                return null;
            }
            if (key == "keepdim" && value is not (0 or 1))
            {
                error = $"'keepdim=' takes 1 (keep the reduced axis, of size 1) or 0, got {N(value)}";
                return null;
            }
            if (value != Math.Floor(value) || Math.Abs(value) > 1 << 20 || (key is not ("axis" or "keepdim") && value < (key == "padding" ? 0 : 1)))
            {
                error = $"'{key}=' takes a {(key == "axis" ? "whole number (an axis, such as 0 or -1)" : key == "padding" ? "whole number (0 or more)" : "positive whole number")}{(Math.Abs(value) > 1 << 20 ? " of at most 1048576" : "")}, got {N(value)}";
                return null;
            }
        }
        int? Option(string key) => options.TryGetValue(key, out var v) ? (int)v : null;
        var written = name; // messages name the function as the program spells it (ln, not log)
        switch (name)
        {
            case "ln":
                name = "log";
                break;
            case "rot180":
                name = "flip";
                break;
            case "dot" or "matmul" when count == 2:
                return Binary(BinaryOperator.MatMul);
            case "transpose" when count == 1:
                return Transpose;
            case "sum" or "mean" when count == 2 && (options.Count == 0 || (options.Count == 1 && Option("keepdim") is not null)):
                operands = 1;
                return Whole(literals[1], $"the second argument of '{name}' is an axis, a whole number such as 0", out var axis, out error)
                    ? Reduce(name, axis, Option("keepdim") == 1) : null;
            case "softmax" or "log_softmax" when count == 1 && Option("axis") is int along:
                return AlongLastAxis(name, along);
            case "sum" or "mean" or "max" or "min" when Option("axis") is int a:
                if (count == 1) return Reduce(name, a, Option("keepdim") == 1);
                error = $"'{name}(X, axis=...)' takes one argument, got {count}";
                return null;
            case "maxpool" or "avgpool" when count == 2:
                operands = 1;
                if (!Whole(literals[1], $"the second argument of '{name}' is the window size, a positive whole number such as 2", out var size, out error) || size < 1)
                {
                    error ??= $"the window of '{name}' must be at least 1, got {size}";
                    return null;
                }
                return Pool(name, size, Option("stride") ?? size);
            case "upsample" when count == 2 && options.Count == 0:
                operands = 1;
                if (!Whole(literals[1], "the second argument of 'upsample' is the block size, a positive whole number such as 2", out var factor, out error) || factor < 1)
                {
                    error ??= $"the block of 'upsample' must be at least 1, got {factor}";
                    return null;
                }
                return Upsample(factor);
            case "concat" when count >= 2:
                return Concat(count, Option("axis") ?? 0);
            case "conv2d" when count is 2 or 3:
                return Conv(count, Option("stride") ?? 1, Option("padding") ?? 0);
        }
        if (TryGetFunction(name, count, out var op) && options.Count == 0) return op;
        if (!IsFunction(name))
            error = name is "len" ? "len(...) is not read; write the number of elements or rows it stands for (n where the program takes a mean, or the number itself)"
                : $"unknown function '{name}'; " + (NameSuggestion.Closest(name, FunctionNames) is { } best ? $"did you mean '{best}'? The functions are " : "the functions are ")
                + string.Join(", ", FunctionNames);
        else
        {
            string[] forms = name switch
            {
                "sum" or "mean" => [$"{name}(X)", $"{name}(X, axis)", $"{name}(X, axis=N)"],
                "max" or "min" => [$"{name}(v)", $"{name}(a, b, ...)", $"{name}(X, axis=N)"],
                "conv2d" => ["conv2d(X, K)", "conv2d(X, K, b)", "with stride= and padding="],
                "maxpool" or "avgpool" => [$"{name}(X, size)", "with stride="],
                "upsample" => ["upsample(X, size)"],
                "concat" => ["concat(a, b, ...)", "concat(A, B, ..., axis=1)"],
                "dot" => ["dot(a, b)"],
                _ => [],
            };
            // norm and transpose are not rows of their own (norm(v) is written out as sqrt(sum(v²)), transpose(W) is Wᵀ).
            IReadOnlyList<int> counts = written is "norm" or "transpose" ? [1] : AritiesOf(name);
            var arities = string.Join(" or ", counts.Select(n => n == 1 ? "1 argument" : $"{n} arguments"));
            error = forms.Length == 0 ? $"'{written}' takes {arities}, got {count}"
                : $"'{written}' is written {string.Join(", ", forms)}; got {count} argument{(count == 1 ? "" : "s")}";
        }
        return null;
    }

    /// <summary>
    /// softmax(S, axis=1) as attention code writes it: the same op as softmax(S), whose axis is the last one, with
    /// the axis checked against the operand's rank; another axis is an error that says how to write it.
    /// </summary>
    private static OpInfo AlongLastAxis(string name, int axis)
    {
        TryGetFunction(name, 1, out var op);
        if (axis == -1) return op!;
        return new(name, 1, OpKind.Structural, a => op!.Apply(a), op!.Description, op.TextTemplate, op.LatexTemplate,
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                int rank = s[0].Rank;
                problem = axis == rank - 1 ? null
                    : $"{name} is taken along the last axis (axis={rank - 1} or -1 here), not axis={axis}" + (rank == 2 ? $"; for the columns write {name}(Xᵀ)ᵀ" : "");
                return problem is null ? op.Shape!(s, sizes, out problem) : null;
            });
    }

    private static bool Whole(double? literal, string what, out int value, out string? error)
    {
        value = literal is double d && d == Math.Floor(d) && Math.Abs(d) <= 1 << 20 ? (int)d : 0;
        error = literal is double e && e == Math.Floor(e) && Math.Abs(e) <= 1 << 20 ? null : what;
        return error is null;
    }

    private static string N(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A reduction along one axis: <c>sum(X, 0)</c>, <c>mean(X, axis=1)</c>, <c>max(X, axis=0)</c>; with
    /// <c>keepdim=1</c> the axis stays with size 1, so a row sum of a matrix is a column that broadcasts back
    /// across the rows (the softmax backward's <c>A ⊙ (G − sum(A ⊙ G, 1, keepdim=1))</c>).
    /// </summary>
    internal static OpInfo Reduce(string name, int axis, bool keepDim = false)
    {
        Func<Tensor, Tensor> f = name switch
        {
            "sum" => t => t.Sum(axis, keepDim),
            "mean" => t => t.Mean(axis, keepDim),
            "max" => t => t.Max(axis, keepDim),
            _ => t => t.Min(axis, keepDim),
        };
        string keep = keepDim ? ", keepdim=1" : "";
        var written = name is "sum" or "mean" ? $"{name}($a, {axis}{keep})" : $"{name}($a, axis={axis}{keep})";
        var latex = $"\\operatorname{{{name}}}_{{{axis}}}($a)";
        return new(name, 1, OpKind.Structural, a => f(a[0]), $"{name} along axis {axis}", written, latex,
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> _, out string? problem) =>
            {
                int r = s[0].Rank;
                if (axis < -r || axis >= r)
                {
                    problem = $"axis {axis} is out of range for {(r == 0 ? "a scalar" : $"shape {s[0]}")}" + (r == 0 ? "" : $" (axes 0 to {r - 1}, or -1 for the last)");
                    return null;
                }
                problem = null;
                int k = axis < 0 ? axis + r : axis;
                return keepDim
                    ? new SymbolicShape(s[0].Dims.Select((d, i) => i == k ? Dim.Known(1) : d))
                    : new SymbolicShape(s[0].Dims.Where((_, i) => i != k));
            });
    }

    /// <summary>One index or slice of <c>x[...]</c>: a position, or start:stop with either end left out.</summary>
    internal readonly record struct IndexItem(bool IsSlice, int? Start, int? Stop)
    {
        public override string ToString() => IsSlice ? $"{(Start is int a ? N(a) : "")}:{(Stop is int b ? N(b) : "")}" : N(Start!.Value);
    }

    /// <summary>Indexing and slicing, <c>x[0]</c>, <c>W[1, :]</c>, <c>x[1:3]</c> (negative positions count from the end, as in NumPy).</summary>
    internal static OpInfo Index(IReadOnlyList<IndexItem> items)
    {
        var indices = items.Select(i => i.IsSlice ? TensorIndex.Slice(i.Start, i.Stop) : (TensorIndex)i.Start!.Value).ToArray();
        var written = "$a[" + string.Join(", ", items) + "]";
        return new("index", 1, OpKind.Structural, a => a[0][indices], "indexing and slicing", written, "{$a}_{" + string.Join(",", items) + "}",
            isFunction: false, shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                problem = null;
                var x = s[0];
                if (items.Count > x.Rank)
                {
                    problem = $"{items.Count} indices for {(x.Rank == 0 ? "a scalar" : $"shape {x}")}";
                    return null;
                }
                var dims = new List<Dim>();
                for (int i = 0; i < x.Rank; i++)
                {
                    var dim = x.Dims[i];
                    if (i >= items.Count) { dims.Add(dim); continue; }
                    var item = items[i];
                    int? n = ShapeInference.Resolve(dim, sizes);
                    if (!item.IsSlice)
                    {
                        int k = item.Start!.Value;
                        if (n is int size && (k >= size || k < -size))
                        {
                            problem = $"index {k} is out of range for axis {i} of size {size} (positions 0 to {size - 1})";
                            return null;
                        }
                        if (n is null && k < 0)
                        {
                            problem = $"index {k} counts from the end of axis {i}, whose size {dim} is not known yet";
                            return null;
                        }
                        continue;
                    }
                    if (item.Start is null && item.Stop is null) { dims.Add(dim); continue; }
                    if (n is int m)
                    {
                        // NumPy would cut a[0:5] of a 2-vector back to a[0:2]; in a derivation that is a slip, so it is an error.
                        if (new[] { item.Start, item.Stop }.FirstOrDefault(end => end is int e && (e > m || e < -m)) is int outside)
                        {
                            problem = $"the slice {item} of axis {i} (size {m}) runs past the axis at {outside} (its ends go from {-m} to {m})";
                            return null;
                        }
                        int start = Math.Clamp(item.Start is int a ? (a < 0 ? a + m : a) : 0, 0, m);
                        int stop = Math.Clamp(item.Stop is int b ? (b < 0 ? b + m : b) : m, 0, m);
                        if (stop <= start)
                        {
                            problem = $"the slice {item} of axis {i} (size {m}) is empty";
                            return null;
                        }
                        dims.Add(Dim.Known(stop - start));
                    }
                    else if (item.Start is int a && item.Stop is int b && a >= 0 && b > a)
                        dims.Add(Dim.Known(b - a));
                    else
                    {
                        problem = $"the slice {item} of axis {i} needs its size {dim} to be known; write both ends";
                        return null;
                    }
                }
                return new SymbolicShape(dims);
            });
    }

    /// <summary>
    /// <c>concat(a, b, ..., axis=k)</c>: vectors or matrices joined end to end along one axis (the first by default), as
    /// torch.cat joins them; every other size must match. A gate vector read in four slices gets its gradient back as
    /// the concat of the four gates' gradients.
    /// </summary>
    internal static OpInfo Concat(int count, int axis)
    {
        var arguments = string.Join(", ", Enumerable.Range(0, count).Select(i => "$" + (char)('a' + i)));
        var setting = axis == 0 ? "" : $", axis={axis}";
        // A number joins a vector as its one element (concat(u·v, u·w) of two dot products is a 2-vector).
        return new("concat", count, OpKind.Structural, a => Tensor.Cat([.. a.Select(t => t.Rank == 0 ? t.Reshape(1) : t)], axis), $"joined along axis {axis}",
            $"concat({arguments}{setting})", $"\\operatorname{{concat}}({arguments}{setting.Replace("axis=", "\\text{axis}=")})",
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                problem = null;
                var shapes = s.Select(x => x.Resolve(sizes)).ToArray();
                if (shapes.Any(x => x is null))
                {
                    problem = "concat needs the sizes of what it joins to be known";
                    return null;
                }
                // Numbers join vectors (or each other) as one-element vectors.
                if (shapes.All(x => x!.Length <= 1)) shapes = [.. shapes.Select(x => x!.Length == 0 ? [1] : x)];
                var first = shapes[0]!;
                if (shapes.Any(x => x!.Length != first.Length))
                {
                    problem = $"concat joins numbers and vectors, or matrices, of one rank; got {string.Join(" and ", s)}";
                    return null;
                }
                if (axis < -first.Length || axis >= first.Length)
                {
                    problem = $"axis {axis} is out of range for shape {s[0]} (axes 0 to {first.Length - 1}, or -1 for the last)";
                    return null;
                }
                int k = axis < 0 ? axis + first.Length : axis;
                if (shapes.FirstOrDefault(x => x!.Where((d, i) => i != k).Zip(first.Where((d, i) => i != k)).Any(p => p.First != p.Second)) is { } other)
                {
                    problem = $"concat along axis {k} needs every other size to match; got {s[0]} and {s[Array.IndexOf(shapes, other)]}";
                    return null;
                }
                var joined = (int[])first.Clone();
                joined[k] = shapes.Sum(x => x![k]);
                return SymbolicShape.FromSizes(joined);
            }, attributes: new OpAttributes { Dims = [axis] });
    }

    /// <summary>The axis a concat joins along, counted from the front for operands of <paramref name="rank"/> axes; null for every other op.</summary>
    internal static int? ConcatAxis(OpInfo op, int rank) =>
        op is { Name: "concat", Attributes.Dims: [var axis] } ? (axis < 0 ? axis + rank : axis) : null;

    /// <summary>The padding of conv2d of an image by a kernel with stride 1 and no bias; null for any other op.</summary>
    internal static int? UnitStrideConvPadding(OpInfo op) => op is { Name: "conv2d", Arity: 2, Settings.Stride: 1 } ? op.Settings.Padding : null;

    /// <summary>
    /// <c>conv2d(X, K [, b], stride=s, padding=p)</c>: cross-correlation (as PyTorch's conv2d) of an H×W
    /// image with an F×F kernel, or of a C×H×W input with O×C×F×F filters (and O biases) giving O×H'×W'.
    /// </summary>
    internal static OpInfo Conv(int arity, int stride, int padding)
    {
        var settings = (stride == 1 ? "" : $", stride={stride}") + (padding == 0 ? "" : $", padding={padding}");
        var written = (arity == 2 ? "conv2d($a, $b" : "conv2d($a, $b, $c") + settings + ")";
        return new("conv2d", arity, OpKind.Structural, a => Conv2d(a, stride, padding), "2-D cross-correlation (convolution as in CNNs)",
            written, LatexSettings(written.Replace("conv2d", "\\operatorname{conv2d}")),
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                problem = null;
                var (x, k) = (s[0], s[1]);
                int[]? xs = x.Resolve(sizes), ks = k.Resolve(sizes);
                if (xs is null || ks is null)
                {
                    problem = "conv2d needs the sizes of its input and kernel to be known (give them with values or --set)";
                    return null;
                }
                bool single = xs.Length == 2 && ks.Length == 2;
                bool channels = xs.Length == 3 && ks.Length == 4 && ks[1] == xs[0] && (arity == 2 || s[2].Resolve(sizes) is [var o] && o == ks[0]);
                if (!single && !channels)
                {
                    problem = $"conv2d takes an H×W image and an F×F kernel, or a C×H×W input, O×C×F×F filters and O biases; got {x} and {k}" + (arity == 3 ? $" and {s[2]}" : "");
                    return null;
                }
                if (single && arity == 3 && s[2].Resolve(sizes) is { } bias && bias.Aggregate(1, (a, b) => a * b) != 1)
                {
                    problem = $"conv2d of an H×W image by an F×F kernel takes one bias, a number; got {s[2]}";
                    return null;
                }
                int oh = (xs[^2] + 2 * padding - ks[^2]) / stride + 1, ow = (xs[^1] + 2 * padding - ks[^1]) / stride + 1;
                if (xs[^2] + 2 * padding < ks[^2] || xs[^1] + 2 * padding < ks[^1])
                {
                    problem = $"the kernel ({ks[^2]}×{ks[^1]}) is larger than the padded input ({xs[^2] + 2 * padding}×{xs[^1] + 2 * padding})";
                    return null;
                }
                // The engine pads the input and unfolds it into one row per output pixel: a padding of 16 000 on a 2×2
                // image would need gigabytes. An exercise stays far below this.
                long inputChannels = single ? 1 : xs[0];
                long padded = inputChannels * (xs[^2] + 2 * padding) * (xs[^1] + 2 * padding);
                long unfolded = inputChannels * oh * ow * ks[^2] * ks[^1];
                if (Math.Max(padded, unfolded) > ConvLimit)
                {
                    problem = $"this conv2d is too large to compute here: its padded input has {padded} numbers and its unfolded input {unfolded}, more than {ConvLimit}";
                    return null;
                }
                return SymbolicShape.FromSizes(single ? [oh, ow] : [ks[0], oh, ow]);
            }) { Settings = (0, stride, padding) };
    }

    /// <summary>A call's settings in LaTeX: the words upright, \text{stride}=2, not a product of italic letters.</summary>
    private static string LatexSettings(string latex) => latex.Replace("stride=", "\\text{stride}=").Replace("padding=", "\\text{padding}=");

    /// <summary>The most numbers conv2d's padded or unfolded input may hold in a program (2²⁴).</summary>
    private const long ConvLimit = Evaluator.MaxElements;

    private static Tensor Conv2d(Tensor[] a, int stride, int padding)
    {
        var (x, k) = (a[0], a[1]);
        bool single = x.Rank == 2;
        var input = single ? x.Reshape(1, 1, x.Shape[0], x.Shape[1]) : x.Reshape(1, x.Shape[0], x.Shape[1], x.Shape[2]);
        var weight = single ? k.Reshape(1, 1, k.Shape[0], k.Shape[1]) : k;
        var y = SharpGrad.NN.Functional.Conv2d(input, weight, a.Length > 2 ? a[2] : null, [stride, stride], [padding, padding]);
        return single ? y.Reshape(y.Shape[2], y.Shape[3]) : y.Reshape(y.Shape[1], y.Shape[2], y.Shape[3]);
    }

    /// <summary><c>maxpool(X, size, stride=s)</c> and <c>avgpool(...)</c> over an H×W or C×H×W input; the stride defaults to the window size.</summary>
    internal static OpInfo Pool(string name, int size, int stride)
    {
        var written = $"{name}($a, {size}" + (stride == size ? ")" : $", stride={stride})");
        return new(name, 1, OpKind.Structural, a =>
            {
                var x = a[0];
                var input = x.Rank == 2 ? x.Reshape(1, 1, x.Shape[0], x.Shape[1]) : x.Reshape(1, x.Shape[0], x.Shape[1], x.Shape[2]);
                var y = name == "maxpool" ? SharpGrad.NN.Functional.MaxPool2d(input, [size, size], [stride, stride]) : SharpGrad.NN.Functional.AvgPool2d(input, [size, size], [stride, stride]);
                return x.Rank == 2 ? y.Reshape(y.Shape[2], y.Shape[3]) : y.Reshape(y.Shape[1], y.Shape[2], y.Shape[3]);
            },
            name == "maxpool" ? "largest element of each window" : "mean of each window", written, LatexSettings(written.Replace(name, $"\\operatorname{{{name}}}")),
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                problem = null;
                var xs = s[0].Resolve(sizes);
                if (xs is null || xs.Length is not (2 or 3) || xs[^1] < size || xs[^2] < size)
                {
                    problem = xs is null ? $"{name} needs the size of its input to be known"
                        : $"{name} takes an H×W or C×H×W input at least {size}×{size}, got {s[0]}";
                    return null;
                }
                int oh = (xs[^2] - size) / stride + 1, ow = (xs[^1] - size) / stride + 1;
                return SymbolicShape.FromSizes(xs.Length == 2 ? [oh, ow] : [xs[0], oh, ow]);
            }) { Settings = (size, stride, 0) };
    }

    /// <summary>The window and stride of a pooling, or the block of an upsample (its stride is the block); null for every other op.</summary>
    internal static (int Size, int Stride)? Window(OpInfo op) =>
        op.Name is "maxpool" or "avgpool" or "upsample" ? (op.Settings.Size, op.Settings.Stride) : null;

    /// <summary>
    /// <c>upsample(X, F)</c>: each element of an H×W or C×H×W input repeated into an F×F block (nearest neighbour), the
    /// adjoint of a tiling pooling's windows; one engine IndexSelect per axis, whose gradient sums each block.
    /// </summary>
    internal static OpInfo Upsample(int size)
    {
        var written = $"upsample($a, {size})";
        return new("upsample", 1, OpKind.Structural, a =>
            {
                var x = a[0];
                for (int axis = x.Rank - 2; axis < x.Rank; axis++)
                {
                    var source = new int[x.Shape[axis] * size];
                    for (int i = 0; i < source.Length; i++) source[i] = i / size;
                    x = x.IndexSelect(axis, Tensor.FromArray(source, source.Length));
                }
                return x;
            },
            "each element repeated into a size×size block (nearest-neighbour upsampling)", written, written.Replace("upsample", "\\operatorname{upsample}"),
            shape: (IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem) =>
            {
                problem = null;
                var xs = s[0].Resolve(sizes);
                if (xs is null || xs.Length is not (2 or 3))
                {
                    problem = xs is null ? "upsample needs the size of its input to be known" : $"upsample takes an H×W or C×H×W input, got {s[0]}";
                    return null;
                }
                var result = xs.ToArray();
                result[^2] *= size;
                result[^1] *= size;
                if ((long)result[^2] * result[^1] * (xs.Length == 3 ? xs[0] : 1) > Evaluator.MaxElements)
                {
                    problem = $"this upsample is too large to compute here: more than {Evaluator.MaxElements} numbers";
                    return null;
                }
                return SymbolicShape.FromSizes(result);
            }) { Settings = (size, size, 0) };
    }

    /// <summary>−Σ y·log_softmax(z) over the last axis, averaged over the rows of a batch (PyTorch's cross_entropy with probability targets).</summary>
    private static Tensor CrossEntropy(Tensor z, Tensor y)
    {
        var perRow = y.Mul(z.LogSoftmax(-1)).Sum(-1).Neg();
        return perRow.Rank == 0 ? perRow : perRow.Mean();
    }

    /// <summary>PyTorch's layer_norm over the last axis without weight and bias, written in primitives so that every step has its shared rule.</summary>
    private static Tensor LayerNorm(Tensor z)
    {
        var centred = z.Sub(z.Mean(-1, keepDim: true));
        return centred.Div(centred.Mul(centred).Mean(-1, keepDim: true).Add(LayerNormEpsilon).Sqrt());
    }

    /// <summary>Every axis reversed, each by one engine IndexSelect, whose gradient flips back.</summary>
    private static Tensor Flip(Tensor x)
    {
        for (int axis = 0; axis < x.Rank; axis++)
        {
            var reversed = new int[x.Shape[axis]];
            for (int i = 0; i < reversed.Length; i++) reversed[i] = reversed.Length - 1 - i;
            x = x.IndexSelect(axis, Tensor.FromArray(reversed, reversed.Length));
        }
        return x;
    }

    /// <summary>The ε of layer_norm's variance, PyTorch's default.</summary>
    internal const double LayerNormEpsilon = 1e-5;

    /// <summary>The engine's mean squared error, the target broadcast to the prediction's shape first as the language allows.</summary>
    private static Tensor MseLoss(Tensor a, Tensor b) =>
        SharpGrad.NN.Functional.MseLoss(a, b.ShapeArray.AsSpan().SequenceEqual(a.ShapeArray) ? b : b.Expand(a.ShapeArray));

    /// <summary>−mean(y·log p + (1 − y)·log(1 − p)); unlike PyTorch's, log 0 is not clamped, so p of exactly 0 or 1 gives ∞ where the target disagrees.</summary>
    private static Tensor BinaryCrossEntropy(Tensor p, Tensor y) =>
        y.Mul(p.Log()).Add(y.Neg().Add(1).Mul(p.Neg().Add(1).Log())).Mean().Neg();

    /// <summary>A loss of a prediction and a target that broadcasts to the prediction's shape: a scalar.</summary>
    private static SymbolicShape? LossShape(IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem)
    {
        problem = ShapeInference.Broadcast(s[0], s[1], sizes) is { } joint && joint.Equals(s[0]) ? null
            : $"the target must have the shape of the prediction {s[0]}, got {s[1]}";
        return problem is null ? SymbolicShape.Scalar : null;
    }

    private static SymbolicShape? SameShape(IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem)
    {
        problem = s[0].Rank is 1 or 2 ? null : $"it takes a vector or a matrix (one row per example), got {(s[0].IsScalar ? "a scalar" : $"shape {s[0]}")}";
        return problem is null ? s[0] : null;
    }

    private static SymbolicShape? FlipShape(IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem)
    {
        problem = s[0].Rank is 1 or 2 ? null : $"flip takes a vector or a matrix (a kernel), got {(s[0].IsScalar ? "a scalar" : $"shape {s[0]}")}";
        return problem is null ? s[0] : null;
    }

    private static SymbolicShape? TransposeShape(IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem)
    {
        problem = s[0].Rank <= 2 ? null : $"transpose takes a scalar, a vector or a matrix, got shape {s[0]}";
        return problem is not null ? null : s[0].Rank < 2 ? s[0] : new SymbolicShape([s[0].Dims[1], s[0].Dims[0]]);
    }

    private static SymbolicShape? CrossEntropyShape(IReadOnlyList<SymbolicShape> s, IReadOnlyDictionary<string, int> sizes, out string? problem)
    {
        if (SameShape(s, sizes, out problem) is null) return null;
        // One target row for a batch of logits would be read as every row's target: a class-index vector is no one-hot matrix.
        if (s[1].Rank != s[0].Rank || ShapeInference.Broadcast(s[0], s[1], sizes) is not { } joint || joint.Rank != s[0].Rank)
        {
            problem = $"the target must have the shape of the logits {s[0]} (one-hot rows), got {s[1]}";
            return null;
        }
        return SymbolicShape.Scalar;
    }
}
