using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace SharpGrad.Cli;

/// <summary>
/// Options whose values the commands read the same way under every locale: numbers are parsed
/// with the invariant culture (so <c>--lr 0.002</c> is 0.002 under de_DE and accepted under fr_FR,
/// where System.CommandLine's own parser would read 2 or refuse it), and a value outside a fixed
/// set is refused in one line that names the option and every accepted value.
/// </summary>
internal static class CliOptions
{
    /// <summary>A floating-point option read with the invariant culture ("0.01", "1e-3"; never "0,01").</summary>
    public static Option<double> Number(string name, string description)
    {
        var option = new Option<double>(name) { Description = description };
        option.CustomParser = result => ParseNumber(option.Name, result);
        return option;
    }

    /// <summary>A whole-number option read with the invariant culture.</summary>
    public static Option<T> Integer<T>(string name, string description, T defaultValue) where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var option = Integer<T>(name, description);
        option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    /// <summary>
    /// <c>--device</c>: cpu (the default), cuda, cuda:N or gpu-sim. Whether the device can be used (the GPU backend is
    /// installed, a driver and a GPU are there) is checked when the command moves its model there, with its own message.
    /// </summary>
    public static Option<Device> Device(string description)
    {
        var option = new Option<Device>("--device") { Description = description, DefaultValueFactory = _ => SharpGrad.Device.Cpu };
        option.CustomParser = result =>
        {
            var text = Single(result);
            try
            {
                return SharpGrad.Device.Parse(text);
            }
            catch (FormatException e)
            {
                result.AddError($"--device: {e.Message}");
                return default;
            }
        };
        option.CompletionSources.Add("cpu", "cuda", "gpu-sim");
        return option;
    }

    /// <summary>A whole-number option without a default (the command asks whether it was given).</summary>
    public static Option<T> Integer<T>(string name, string description) where T : struct, IBinaryInteger<T>, IMinMaxValue<T>
    {
        var option = new Option<T>(name) { Description = description };
        option.CustomParser = result =>
        {
            var text = Single(result);
            if (T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return value;
            result.AddError(Unparsed<T>(option.Name, text));
            return default;
        };
        return option;
    }

    /// <summary>"--seed expects a whole number ≥ 0, got '-1'." where the option takes no sign, else "expects a whole number".</summary>
    private static string Unparsed<T>(string name, string text) where T : IBinaryInteger<T>, IMinMaxValue<T> =>
        text.TrimStart().StartsWith('-') && !T.IsNegative(T.Zero - T.One)
            ? $"{name} expects a whole number ≥ 0, got '{text}'."
            // Digits alone that do not parse are too many for the option's type, not something else than a number.
            : text.Trim().TrimStart('+', '-') is { Length: > 0 } digits && digits.All(char.IsAsciiDigit)
                ? $"{name} expects a whole number from {T.MinValue.ToString(null, CultureInfo.InvariantCulture)} to {T.MaxValue.ToString(null, CultureInfo.InvariantCulture)}, got '{text}'."
                : $"{name} expects a whole number, got '{text}'.";

    /// <summary>Restricts a string option to <paramref name="values"/>, with a one-line error naming the option and the choices.</summary>
    public static TOption OneOf<TOption>(this TOption option, params string[] values) where TOption : Option
    {
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (Array.IndexOf(values, token.Value) < 0)
                    result.AddError($"{option.Name} must be {Choices(values)}, got '{token.Value}'.");
            }
        });
        option.CompletionSources.Add(values);
        return option;
    }

    /// <summary>"a, b or c".</summary>
    public static string Choices(IReadOnlyList<string> values) =>
        values.Count == 1 ? values[0] : string.Join(", ", values.Take(values.Count - 1)) + " or " + values[^1];

    private static double ParseNumber(string name, ArgumentResult result)
    {
        var text = Single(result);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            return value;
        var hint = text.Contains(',') ? " (write the decimal point as '.')" : "";
        result.AddError($"{name} expects a number such as 0.01 or 1e-3, got '{text}'{hint}.");
        return default;
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
}
