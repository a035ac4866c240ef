using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SharpGrad.Explain;

/// <summary>
/// The JSON contract of <c>sharpgrad grad --json</c>: one object
/// <c>{"objective": NAME, "values": {NAME: v}, "gradients": {NAME: v}, "shapes": {NAME: [sizes]}}</c>.
/// Keys are the program's names in program order; gradients cover every declaration and
/// assignment, the objective included (its gradient is 1). A value holding exactly one number is
/// a JSON number, anything else an array nested by the shape; "shapes" gives every shape
/// exactly ([] for a scalar, [1] for a one-element vector). Numbers are written with full
/// round-trip precision; NaN and infinities, which JSON lacks, are the strings "NaN",
/// "Infinity" and "-Infinity".
/// </summary>
public static class EvaluationJson
{
    /// <summary>The evaluation as an indented JSON object.</summary>
    public static string Write(ProgramEvaluation evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("objective", evaluation.ObjectiveName);
            w.WriteStartObject("values");
            foreach (var name in evaluation.Names)
            {
                w.WritePropertyName(name);
                WriteTensor(w, evaluation.Value(name));
            }
            w.WriteEndObject();
            w.WriteStartObject("gradients");
            foreach (var name in evaluation.Names)
            {
                w.WritePropertyName(name);
                WriteTensor(w, evaluation.Gradient(name));
            }
            w.WriteEndObject();
            w.WriteStartObject("shapes");
            foreach (var name in evaluation.Names)
            {
                w.WritePropertyName(name);
                w.WriteRawValue("[" + string.Join(", ", evaluation.Value(name).Shape.ToArray()) + "]");
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes a value on one line (the object is indented, the arrays are not, so a matrix reads as one).</summary>
    internal static void WriteTensor(Utf8JsonWriter w, Tensor t)
    {
        var data = t.ToDoubleArray();
        if (data.Length == 1)
        {
            w.WriteRawValue(Number(data[0]));
            return;
        }
        var shape = t.Shape.ToArray();
        var sb = new StringBuilder();
        int k = 0;
        Nested(0);
        w.WriteRawValue(sb.ToString());

        void Nested(int dim)
        {
            if (dim == shape.Length)
            {
                sb.Append(Number(data[k++]));
                return;
            }
            sb.Append('[');
            for (int i = 0; i < shape[dim]; i++)
            {
                if (i > 0) sb.Append(", ");
                Nested(dim + 1);
            }
            sb.Append(']');
        }
    }

    /// <summary>A number as JSON: the shortest text that reads back to the same double.</summary>
    internal static string Number(double v) =>
        double.IsFinite(v) ? JsonSerializer.Serialize(v) : double.IsNaN(v) ? "\"NaN\"" : v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
}
