using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace VisionFactory.Learning.Inference;

/// <summary>
/// ONNX Runtime's process-wide environment, created once before the first session. Since 1.29 the official Linux
/// build reports usage to Microsoft (1DS telemetry: a persistent device id under
/// <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime</c>, an event store beside it, uploads to
/// <c>mobile.events.data.microsoft.com</c>). A self-hosted platform, often on air-gapped sites, does not phone home
/// about its users' models: the environment is created with <c>ORT_DISABLE_TELEMETRY=1</c> in the process's native
/// environment, ONNX Runtime's full opt-out, unless the person set that variable themselves. Its log shows errors only
/// (its warnings about graph rewrites are not the user's business).
/// </summary>
public static class OnnxRuntimeEnvironment
{
    /// <summary>The variable ONNX Runtime reads, once, when its environment is created.</summary>
    public const string TelemetryVariable = "ORT_DISABLE_TELEMETRY";

    private static readonly Lazy<OrtEnv> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    /// <summary>The environment, created on the first call; every session of this process is opened after it.</summary>
    public static OrtEnv Prepare() => Instance.Value;

    /// <summary>
    /// Creates the environment on a thread-pool thread (loading the native library and its kernels), so that a command
    /// that will open a graph does so while it reads its database.
    /// </summary>
    public static void BeginPreparingInBackground() => _ = Task.Run(() =>
    {
        try
        {
            Prepare();
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or TypeInitializationException)
        {
            // The first session reports it.
        }
    });

    private static OrtEnv Create()
    {
        if (Environment.GetEnvironmentVariable(TelemetryVariable) is null)
            SetNative(TelemetryVariable, "1");
        OrtEnv environment;
        if (OrtEnv.IsCreated)
        {
            // Someone in this process (a library, a test) opened a session directly first: it stays as they made it.
            environment = OrtEnv.Instance();
        }
        else
        {
            var options = new EnvironmentCreationOptions { logId = "visionfactory", logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
            try
            {
                environment = OrtEnv.CreateInstanceWithOptions(ref options);
            }
            catch (OnnxRuntimeException) when (OrtEnv.IsCreated)
            {
                environment = OrtEnv.Instance();
            }
        }

        environment.DisableTelemetryEvents();
        return environment;
    }

    // .NET's Environment.SetEnvironmentVariable changes only the managed copy on Unix; ONNX Runtime reads libc's.
    private static void SetNative(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (!OperatingSystem.IsWindows() && NativeLibrary.TryLoad(OperatingSystem.IsMacOS() ? "libc.dylib" : "libc.so.6", out var libc)
            && NativeLibrary.TryGetExport(libc, "setenv", out var export))
            _ = Marshal.GetDelegateForFunctionPointer<SetEnv>(export)(name, value, 0);
    }
}
