using System.Runtime.CompilerServices;

// The tests parse single commands (an option's value under a given culture) without running them.
[assembly: InternalsVisibleTo("SharpGrad.Cli.Tests")]
