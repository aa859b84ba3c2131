using System.CommandLine;
using System.Text;

namespace CurveFs.MetaServer.Cli;

/// <summary>Exit codes of curvefs-metaserver commands.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The snapshot file failed verification.</summary>
    public const int Corrupt = 1;

    /// <summary>The file is missing or cannot be read.</summary>
    public const int Unreadable = 2;

    /// <summary>Wrong command line (EX_USAGE from sysexits.h); help has been printed.</summary>
    public const int Usage = 64;
}

/// <summary>The curvefs-metaserver command line. Program.cs only calls <see cref="Run"/>; tests call it
/// in-process with their own writers. New subcommands are added in <see cref="Build"/>.</summary>
public static class MetaServerCli
{
    /// <summary>The root command with every subcommand attached.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("CurveFs metaserver: hosts metadata copysets; offline tools for its files.");
        root.Subcommands.Add(RunCommand.Build());
        root.Subcommands.Add(SnapshotCommand.Build());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given writers (standard output
    /// and error when null), and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        // Dumps can be large: buffer standard output instead of flushing per line.
        StreamWriter? stdout = output is null
            ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024)
            : null;
        try
        {
            ParseResult parsed = Build().Parse(args);
            var configuration = new InvocationConfiguration
            {
                Output = output ?? stdout!,
                Error = error ?? Console.Error,
            };
            int exitCode = parsed.Invoke(configuration);
            return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
        }
        finally
        {
            stdout?.Dispose();
        }
    }
}
