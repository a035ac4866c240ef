namespace SharpGrad.NN;

public static partial class Functional
{
    /// <summary>1-D convolution of [N, C, L] (or [C, L]) with a weight [out, C/groups, K], as a 2-D convolution of height 1.</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"Conv1d: the input must be [N, C, L] or [C, L], got shape {input.Shape}.", nameof(input));
        if (weight.Rank != 3)
            throw new ArgumentException($"Conv1d: the weight must be [out, in/groups, K], got shape {weight.Shape}.", nameof(weight));
        bool unbatched = input.Rank == 2;
        var x = (unbatched ? input.Unsqueeze(0) : input).Unsqueeze(2);                      // [N, C, 1, L]
        var y = Conv2d(x, weight.Unsqueeze(2), bias, [1, stride], [0, padding], [1, dilation], groups).Squeeze(2);
        return unbatched ? y.Squeeze(0) : y;
    }
}
