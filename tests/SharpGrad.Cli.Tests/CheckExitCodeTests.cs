namespace SharpGrad.Cli.Tests;

/// <summary>
/// The exit codes of <c>check</c> over many odd expressions: 0 correct, 1 incorrect (and then the
/// output says "incorrect"), 2 bad input with a one-line located message, never 70 (internal error).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class CheckExitCodeTests
{
    public static TheoryData<string, string, string, int, string> Cases => new()
    {
        // program, --wrt, --expr, expected exit code, expected start of stdout (0, 1) or of stderr (2)
        { "e1.grad", "n4", "", 2, "error: --expr column 1: the expression is empty" },
        { "e1.grad", "n4", "   ", 2, "error: --expr column 1: the expression is empty" },
        { "e1.grad", "n4", "foo", 2, "error: --expr column 1: unknown name 'foo'" },
        { "e1.grad", "n4", "exp(1, 2)", 2, "error: --expr column 1: 'exp' takes 1 argument, got 2" },
        { "e1.grad", "n4", "relu()", 2, "error: --expr column 6:" },
        { "e1.grad", "n4", "dE/dfoo", 2, "error: --expr column 4: unknown name 'foo'" },
        { "e1.grad", "n4", "dE/dn6 * dn6/dn4 +", 2, "error: --expr column 19:" },
        { "e1.grad", "n4", "(((", 2, "error: --expr column 4:" },
        { "e1.grad", "n4", "I[n4]", 2, "error: --expr column 5:" },
        { "e1.grad", "n4", "foo'(n4)", 2, "error: --expr column 1:" },
        // A literal beyond a double is bad input, located like any other.
        { "e1.grad", "n4", "1e400", 2, "error: --expr column 1: the number 1e400 is too large for a double" },
        { "e1.grad", "nope", "1", 2, "error: --wrt: the program defines no 'nope'." },
        { "e9.grad", "W2", "W1 @ W2", 1, "incorrect: your expression cannot be evaluated: column 1, W1 @ W2: [2, 1] @ [2, 2]: the left side has 1 columns but the right side has 2 rows" },
        // dh2/dW1 is the total Jacobian through a2, h1 and a1, [2, 2, 1]: an answer of the wrong shape, graded so.
        { "e9.grad", "W2", "dh2/dW1 + 1", 1, "incorrect: dh2/dW1 + 1 is not ∂J/∂W2" },
        // A vector node that does not depend on W3 has a Jacobian of 0 with respect to it, and the answer is told so.
        { "e9.grad", "W1", "dh2/dW3 + 1", 1, "incorrect: dh2/dW3 is 0: h2 does not depend on W3" },
        // ∞ and NaN where the true derivative is a number are wrong answers, not bad input.
        { "e1.grad", "n4", "1/0", 1, "incorrect: 1/0 is not ∂E/∂n4" },
        { "e1.grad", "n4", "0/0", 1, "incorrect: 0/0 is not ∂E/∂n4" },
        { "e1.grad", "n4", "log(0-1)", 1, "incorrect:" },
        { "e9.grad", "W2", "exp(1000) * W2", 1, "incorrect:" },
        { "e1.grad", "n4", "I[n4 > 0]", 1, "incorrect:" },
        { "e1.grad", "n4", "step(n4)", 1, "incorrect:" },
        { "e1.grad", "n4", "dn4/dE", 1, "incorrect:" },
        { "e1.grad", "n4", "n4 ⊗ n4", 1, "incorrect:" },
        { "e9.grad", "W2", "h1 @ dJ/da2", 1, "incorrect:" },
        { "e9.grad", "W2", "outer(W2, W2)", 1, "incorrect:" },
        { "e9.grad", "W1", "I[W1 > W2]", 1, "incorrect:" },
        { "e1.grad", "n4", "dE/dn6 dn6/dn4", 0, "correct:" },
        { "e1.grad", "n4", "∂E/∂n4", 1, "incorrect: ∂E/∂n4 is the derivative asked for: the answer must not use it" },
        { "e9.grad", "J", "1", 0, "correct:" },
        { "e9.grad", "yhat", "2*(yhat - y)", 0, "correct:" },
        { "e9.grad", "W1", "∂J/∂(W1)_d", 1, "incorrect: ∂J/∂(W1)_d is the derivative asked for" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OddExpressions_GetAVerdictOrALocatedError(string program, string wrt, string expr, int expected, string start)
    {
        var (code, stdout, stderr) = CliRunner.Run("check", CliRunner.Example(program), "--wrt", wrt, "--expr", expr);
        Assert.NotEqual(70, code);
        Assert.Equal(expected, code);
        if (code == 2)
        {
            Assert.Equal("", stdout);
            Assert.StartsWith(start, stderr);
            Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        }
        else
        {
            Assert.Equal("", stderr);
            Assert.StartsWith(start, stdout);
        }
    }
}
