using System.Diagnostics;

namespace CurveFs.Mount.Meta.Transactions;

/// <summary>
/// A fault-injection hook for the crash tests of cross-copyset transactions over real processes: when
/// <c>CURVEFS_TEST_KILL_AT_TX_STEP</c> names a coordinator step (<c>prepared:0</c>, <c>prepared:1</c>,
/// <c>committed-primary</c>, <c>committed:1</c>), the process kills itself with SIGKILL on reaching it, exactly
/// like a crash there. Unset (always, outside tests) it does nothing.
/// </summary>
public static class TxKillSwitch
{
    public const string Variable = "CURVEFS_TEST_KILL_AT_TX_STEP";

    public static Action<string>? FromEnvironment()
    {
        var step = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(step)) return null;
        return reached =>
        {
            if (reached != step) return;
            Console.Error.WriteLine($"curvefs: {Variable}={step}: killing this process at transaction step {reached}");
            Process.GetCurrentProcess().Kill();
        };
    }
}
