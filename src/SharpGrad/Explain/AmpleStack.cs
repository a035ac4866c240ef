using System.Globalization;
using System.Runtime.ExceptionServices;

namespace SharpGrad.Explain;

/// <summary>
/// Runs the checker's recursive passes over an answer's tree (parsing, evaluating, simplifying, guessing
/// the mistake) on a thread with a fixed 16 MiB stack. Expressions are bounded in depth
/// (<see cref="Parser.MaxDepth"/>), but the frames per level differ between the JIT's tiers and between
/// machines, so the bound alone cannot promise that a caller on a small stack (a 256 KiB worker thread)
/// survives the deepest answer; a stack of known size can. Already on such a thread, the body runs inline.
/// </summary>
internal static class AmpleStack
{
    private const int StackBytes = 16 * 1024 * 1024;

    [ThreadStatic]
    private static bool onAmpleStack;

    /// <summary>Runs <paramref name="body"/> on an ample stack and returns its result or rethrows its exception.</summary>
    public static T Run<T>(Func<T> body)
    {
        if (onAmpleStack) return body();
        T? result = default;
        ExceptionDispatchInfo? failure = null;
        var culture = CultureInfo.CurrentCulture;
        var uiCulture = CultureInfo.CurrentUICulture;
        var worker = new Thread(() =>
        {
            onAmpleStack = true;
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = uiCulture;
            try { result = body(); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        }, StackBytes);
        worker.Start();
        worker.Join();
        failure?.Throw();
        return result!;
    }
}
