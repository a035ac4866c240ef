namespace SharpGrad.NN;

/// <summary>The nonlinearity of an Elman <see cref="RNN"/> and <see cref="RNNCell"/>.</summary>
public enum RnnNonlinearity
{
    /// <summary>tanh (PyTorch's default).</summary>
    Tanh,

    /// <summary>max(x, 0).</summary>
    Relu,
}

/// <summary>
/// The kind of recurrent cell, which fixes how many gate blocks the stacked weights hold:
/// an Elman cell one, a GRU three (r, z, n) and an LSTM four (i, f, g, o), in PyTorch's order.
/// </summary>
public enum RecurrentKind
{
    /// <summary>h' = act(W_ih x + b_ih + W_hh h + b_hh).</summary>
    Rnn,

    /// <summary>Gated recurrent unit.</summary>
    Gru,

    /// <summary>Long short-term memory.</summary>
    Lstm,
}

/// <summary>
/// One step of a recurrent network — an Elman cell, a GRU or an LSTM — with PyTorch's parameter
/// names, shapes and gate order (<c>weight_ih</c> [G·H, I], <c>weight_hh</c> [G·H, H], <c>bias_ih</c>,
/// <c>bias_hh</c> [G·H], with G = 1, 3 or 4), initialised uniform on ±1/√H as PyTorch does. The step is
/// composed of the engine's own ops (matrix products, σ, tanh), so its backward pass, second
/// derivatives and Explain come from the shared derivative rules; no recurrent-specific gradient code
/// exists. Inputs are [N, I] (or [I]); states [N, H]. <see cref="Step"/> returns the new hidden state
/// and, for an LSTM, the new cell state.
/// </summary>
public class RecurrentCell : Module
{
    /// <summary>Creates a cell of <paramref name="kind"/>.</summary>
    public RecurrentCell(RecurrentKind kind, int inputSize, int hiddenSize, bool bias = true,
        RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Generator? generator = null, DType dtype = DType.Float32)
        : this(kind, inputSize, hiddenSize, bias, nonlinearity, generator, dtype, suffix: "")
    {
    }

    internal RecurrentCell(RecurrentKind kind, int inputSize, int hiddenSize, bool bias, RnnNonlinearity nonlinearity,
        Generator? generator, DType dtype, string suffix)
    {
        if (inputSize <= 0 || hiddenSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(hiddenSize), $"A recurrent cell needs positive sizes, got input {inputSize} and hidden {hiddenSize}.");
        Kind = kind;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Nonlinearity = nonlinearity;
        Suffix = suffix;
        int gates = kind switch { RecurrentKind.Rnn => 1, RecurrentKind.Gru => 3, _ => 4 } * hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        Tensor U(params int[] shape) => Init.Uniform(Tensor.Zeros(shape, dtype), -bound, bound, generator);
        RegisterParameter("weight_ih" + suffix, U(gates, inputSize));
        RegisterParameter("weight_hh" + suffix, U(gates, hiddenSize));
        if (bias)
        {
            RegisterParameter("bias_ih" + suffix, U(gates));
            RegisterParameter("bias_hh" + suffix, U(gates));
        }
    }

    /// <summary>Elman, GRU or LSTM.</summary>
    public RecurrentKind Kind { get; }

    /// <summary>Input features.</summary>
    public int InputSize { get; }

    /// <summary>Hidden features.</summary>
    public int HiddenSize { get; }

    /// <summary>The Elman cell's nonlinearity.</summary>
    public RnnNonlinearity Nonlinearity { get; }

    internal string Suffix { get; }

    /// <summary>The input weights, [G·H, I].</summary>
    public Tensor WeightIh => Parameter("weight_ih" + Suffix);

    /// <summary>The recurrent weights, [G·H, H].</summary>
    public Tensor WeightHh => Parameter("weight_hh" + Suffix);

    /// <summary>The input bias, [G·H], or null.</summary>
    public Tensor? BiasIh => OptionalParameter("bias_ih" + Suffix);

    /// <summary>The recurrent bias, [G·H], or null.</summary>
    public Tensor? BiasHh => OptionalParameter("bias_hh" + Suffix);

    /// <summary>One step from a zero state; returns the new hidden state.</summary>
    public override Tensor Forward(Tensor input) => Observed(input, Step(input, null, null).Hidden);

    /// <summary>
    /// One step: the new hidden state h' and (LSTM only) cell state c' from input x and states h, c
    /// (zeros when null).
    /// </summary>
    public (Tensor Hidden, Tensor? Cell) Step(Tensor input, Tensor? hidden, Tensor? cell)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (1 or 2) || input.Size(-1) != InputSize)
            throw new ArgumentException($"{Kind} cell: the input must be [N, {InputSize}] or [{InputSize}], got shape {input.Shape}.", nameof(input));
        bool unbatched = input.Rank == 1;
        var x = unbatched ? input.Unsqueeze(0) : input;
        int n = x.Size(0);
        var h = State(hidden, n, "hidden", unbatched, x);
        var gi = Functional.Linear(x, WeightIh, BiasIh);
        var gh = Functional.Linear(h, WeightHh, BiasHh);
        Tensor newHidden;
        Tensor? newCell = null;
        switch (Kind)
        {
            case RecurrentKind.Rnn:
            {
                var z = gi.Add(gh);
                newHidden = Nonlinearity == RnnNonlinearity.Tanh ? z.Tanh() : z.Relu();
                break;
            }
            case RecurrentKind.Gru:
            {
                // r and z see both contributions; n sees the recurrent one through the reset gate (PyTorch's form).
                var i = gi.Chunk(3, 1);
                var r8 = gh.Chunk(3, 1);
                var r = i[0].Add(r8[0]).Sigmoid();
                var update = i[1].Add(r8[1]).Sigmoid();
                var candidate = i[2].Add(r.Mul(r8[2])).Tanh();
                newHidden = candidate.Add(update.Mul(h.Sub(candidate)));   // (1 − z)·n + z·h
                break;
            }
            default:
            {
                var c = State(cell, n, "cell", unbatched, x);
                var g = gi.Add(gh).Chunk(4, 1);
                var inputGate = g[0].Sigmoid();
                var forget = g[1].Sigmoid();
                var candidate = g[2].Tanh();
                var output = g[3].Sigmoid();
                newCell = forget.Mul(c).Add(inputGate.Mul(candidate));
                newHidden = output.Mul(newCell.Tanh());
                break;
            }
        }
        return unbatched ? (newHidden.Squeeze(0), newCell?.Squeeze(0)) : (newHidden, newCell);
    }

    private Tensor State(Tensor? state, int n, string what, bool unbatched, Tensor input)
    {
        if (state is null) return Tensor.Zeros([n, HiddenSize], input.DType, input.Device);
        var s = unbatched && state.Rank == 1 ? state.Unsqueeze(0) : state;
        if (s.Rank != 2 || s.Size(0) != n || s.Size(1) != HiddenSize)
            throw new ArgumentException($"{Kind} cell: the {what} state must be [{n}, {HiddenSize}], got shape {state.Shape}.");
        return s;
    }
}

/// <summary>
/// A multi-layer recurrent network over a sequence — Elman RNN, GRU or LSTM — as PyTorch's
/// <c>nn.RNN</c>/<c>nn.GRU</c>/<c>nn.LSTM</c>: input [T, N, I] ([N, T, I] with <c>batchFirst</c>),
/// optional initial states [L, N, H], dropout between layers in training mode, and parameters named
/// <c>weight_ih_l0</c>, <c>weight_hh_l0</c>, <c>bias_ih_l0</c>, <c>bias_hh_l0</c>, … so PyTorch state
/// dicts load. <see cref="Run"/> returns the top layer's outputs at every step and the final states of
/// every layer; <see cref="Forward"/> returns just the outputs.
/// </summary>
public class Recurrent : Module
{
    private readonly List<RecurrentCell> layers = [];
    private readonly Generator? generator;

    /// <summary>Creates the network.</summary>
    public Recurrent(RecurrentKind kind, int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
        double dropout = 0, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Generator? generator = null, DType dtype = DType.Float32)
    {
        if (numLayers <= 0) throw new ArgumentOutOfRangeException(nameof(numLayers), $"A recurrent network needs at least one layer, got {numLayers}.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), $"Dropout must be in [0, 1), got {dropout}.");
        Kind = kind;
        BatchFirst = batchFirst;
        Dropout = dropout;
        this.generator = generator;
        for (int l = 0; l < numLayers; l++)
        {
            var cell = new RecurrentCell(kind, l == 0 ? inputSize : hiddenSize, hiddenSize, bias, nonlinearity, generator, dtype, suffix: $"_l{l}");
            layers.Add(cell);
            // The cell's parameters carry the layer suffix, so they are this module's own, as PyTorch names them.
            foreach (var (name, p) in cell.NamedParameters()) RegisterParameter(name, p);
        }
    }

    /// <summary>Elman, GRU or LSTM.</summary>
    public RecurrentKind Kind { get; }

    /// <summary>True when inputs and outputs are [N, T, ·].</summary>
    public bool BatchFirst { get; }

    /// <summary>The dropout probability between layers (training mode only).</summary>
    public double Dropout { get; }

    /// <summary>The number of stacked layers.</summary>
    public int NumLayers => layers.Count;

    /// <summary>Hidden features of every layer.</summary>
    public int HiddenSize => layers[0].HiddenSize;

    /// <summary>The Elman network's nonlinearity.</summary>
    public RnnNonlinearity Nonlinearity => layers[0].Nonlinearity;

    /// <summary>The top layer's hidden state at every step.</summary>
    public override Tensor Forward(Tensor input) => Observed(input, Run(input).Output);

    /// <summary>
    /// Runs the sequence: outputs [T, N, H] (or [N, T, H]), final hidden states [L, N, H] and, for an
    /// LSTM, final cell states [L, N, H]. <paramref name="hidden"/> and <paramref name="cell"/> are the
    /// initial states, zeros when null.
    /// </summary>
    public (Tensor Output, Tensor Hidden, Tensor? Cell) Run(Tensor input, Tensor? hidden = null, Tensor? cell = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 3)
            throw new ArgumentException($"{Kind}: the input must be {(BatchFirst ? "[N, T, I]" : "[T, N, I]")}, got shape {input.Shape}.", nameof(input));
        if (cell is not null && Kind != RecurrentKind.Lstm)
            throw new ArgumentException($"{Kind}: only an LSTM has a cell state.", nameof(cell));
        var sequence = BatchFirst ? input.Transpose(0, 1) : input;
        int steps = sequence.Size(0), n = sequence.Size(1);
        CheckState(hidden, n, "hidden");
        CheckState(cell, n, "cell");
        var finalHidden = new Tensor[layers.Count];
        var finalCell = new Tensor[layers.Count];
        var outputs = new Tensor[steps];
        for (int t = 0; t < steps; t++) outputs[t] = sequence[t];
        for (int l = 0; l < layers.Count; l++)
        {
            Tensor? h = hidden?[l], c = cell?[l];
            for (int t = 0; t < steps; t++)
            {
                var x = outputs[t];
                if (l > 0 && Dropout > 0) x = Functional.Dropout(x, Dropout, Training, generator);
                (h, c) = layers[l].Step(x, h, c);
                outputs[t] = h;
            }
            finalHidden[l] = h ?? Tensor.Zeros([n, layers[l].HiddenSize], input.DType, input.Device);
            finalCell[l] = c ?? Tensor.Zeros([n, layers[l].HiddenSize], input.DType, input.Device);
        }
        var output = steps == 0 ? Tensor.Zeros([0, n, layers[^1].HiddenSize], input.DType, input.Device) : Tensor.Stack(outputs, 0);
        if (BatchFirst) output = output.Transpose(0, 1);
        return (output, Tensor.Stack(finalHidden, 0), Kind == RecurrentKind.Lstm ? Tensor.Stack(finalCell, 0) : null);
    }

    private void CheckState(Tensor? state, int n, string what)
    {
        if (state is null) return;
        int h = layers[^1].HiddenSize;
        if (state.Rank != 3 || state.Size(0) != layers.Count || state.Size(1) != n || state.Size(2) != h)
            throw new ArgumentException($"{Kind}: the initial {what} state must be [{layers.Count}, {n}, {h}], got shape {state.Shape}.");
    }
}

/// <summary>An Elman cell, h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu), as PyTorch's <c>nn.RNNCell</c>.</summary>
public sealed class RNNCell(int inputSize, int hiddenSize, bool bias = true, RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Generator? generator = null, DType dtype = DType.Float32)
    : RecurrentCell(RecurrentKind.Rnn, inputSize, hiddenSize, bias, nonlinearity, generator, dtype);

/// <summary>A GRU cell with PyTorch's gate order (r, z, n) and form n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), as <c>nn.GRUCell</c>.</summary>
public sealed class GRUCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    : RecurrentCell(RecurrentKind.Gru, inputSize, hiddenSize, bias, RnnNonlinearity.Tanh, generator, dtype);

/// <summary>An LSTM cell with PyTorch's gate order (i, f, g, o): c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'), as <c>nn.LSTMCell</c>.</summary>
public sealed class LSTMCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null, DType dtype = DType.Float32)
    : RecurrentCell(RecurrentKind.Lstm, inputSize, hiddenSize, bias, RnnNonlinearity.Tanh, generator, dtype);

/// <summary>A multi-layer Elman RNN over a sequence, as PyTorch's <c>nn.RNN</c>.</summary>
public sealed class RNN(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
    RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh, Generator? generator = null, DType dtype = DType.Float32)
    : Recurrent(RecurrentKind.Rnn, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, nonlinearity, generator, dtype);

/// <summary>A multi-layer GRU over a sequence, as PyTorch's <c>nn.GRU</c>.</summary>
public sealed class GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
    Generator? generator = null, DType dtype = DType.Float32)
    : Recurrent(RecurrentKind.Gru, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, RnnNonlinearity.Tanh, generator, dtype);

/// <summary>A multi-layer LSTM over a sequence, as PyTorch's <c>nn.LSTM</c>; <see cref="Recurrent.Run"/> also returns the cell states.</summary>
public sealed class LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
    Generator? generator = null, DType dtype = DType.Float32)
    : Recurrent(RecurrentKind.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, RnnNonlinearity.Tanh, generator, dtype);
