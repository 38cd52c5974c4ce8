using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;

namespace VisionFactory.Learning.Native;

/// <summary>What <see cref="TorchNativeLibrary.EnsureLoaded"/> did.</summary>
public enum TorchNativeLoadOutcome
{
    /// <summary>Not Linux: TorchSharp loads its native library by itself.</summary>
    NotLinux,

    /// <summary>TorchSharp's native folder was not found next to the app; TorchSharp is left to report that itself.</summary>
    NativeFolderNotFound,

    /// <summary>The system's libstdc++ could not be found or read, so nothing was changed.</summary>
    SystemLibStdCxxUnknown,

    /// <summary>The system's libstdc++ provides every version the library requires: nothing special was loaded.</summary>
    NotNeeded,

    /// <summary>A patched copy of <c>libLibTorchSharp.so</c> was loaded (see <see cref="TorchNativeLoadReport.WeakenedVersions"/>).</summary>
    PatchedCopyLoaded,
}

/// <summary>The result of <see cref="TorchNativeLibrary.EnsureLoaded"/>.</summary>
/// <param name="Outcome">What was done.</param>
/// <param name="NativeFolder">The folder holding TorchSharp's native libraries, when found.</param>
/// <param name="LoadedLibrary">The full path of the patched copy that was loaded, when one was.</param>
/// <param name="WeakenedVersions">The libstdc++ version requirements marked weak in the copy (e.g. <c>GLIBCXX_3.4.32</c>).</param>
public sealed record TorchNativeLoadReport(
    TorchNativeLoadOutcome Outcome,
    string? NativeFolder,
    string? LoadedLibrary,
    IReadOnlyList<string> WeakenedVersions);

/// <summary>
/// Makes TorchSharp's native library loadable on Linux systems whose libstdc++ is older than the one it was built
/// against. Nobody has to remember to call it: <see cref="PrepareBeforeFirstUse"/> runs from the module initializer
/// of every assembly that uses TorchSharp (an architecture test checks it), and prepares the library when TorchSharp
/// first asks for it, whatever path a process takes to its first tensor.
/// </summary>
/// <remarks>
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c> for a single symbol that it never
/// calls; Debian 12's libstdc++ stops at 3.4.30, so the library fails to load. When the system libstdc++ lacks a
/// required version, this class copies the library to a per-user cache folder, marks exactly those version
/// requirements weak (<see cref="ElfVersionNeeds"/>), pre-loads libtorch from the app's native folder (the copy's
/// <c>$ORIGIN</c> run path cannot find it) and loads the copy, to which TorchSharp then binds. On other systems it
/// does nothing.
/// </remarks>
public static class TorchNativeLibrary
{
    private const string TorchSharpLibrary = "libLibTorchSharp.so";
    private const string LibStdCxx = "libstdc++.so.6";
    private static readonly string[] Dependencies = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly Lock Gate = new();
    private static TorchNativeLoadReport? report;
    private static Exception? failure;
    private static IntPtr patchedHandle;
    private static int hooked;

    /// <summary>
    /// Prepares the native library before TorchSharp's first use, whatever path a process takes to it: the native
    /// heap's settings at once, OpenMP's when the TorchSharp assembly loads (before any of its code runs), and the patched
    /// copy at the moment TorchSharp asks for its native library and the original cannot load (the default load
    /// context's last resort for unmanaged libraries). Processes that never make a tensor never load libtorch. Cheap
    /// and idempotent; never throws (a failure is kept and reported by <see cref="EnsureLoaded"/> and <see cref="Failure"/>).
    /// </summary>
    public static void PrepareBeforeFirstUse()
    {
        if (Interlocked.Exchange(ref hooked, 1) == 1)
            return;

        // The arena limit holds only for arenas made after it is set: as early in the process as this library is used.
        NativeHeap.Apply();
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (assembly, name) =>
            IsTorchSharp(assembly) && name is "LibTorchSharp" or TorchSharpLibrary ? TryEnsureLoaded() : IntPtr.Zero;
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
        {
            if (IsTorchSharp(e.LoadedAssembly))
                PrepareProcess();
        };
        if (AppDomain.CurrentDomain.GetAssemblies().Any(IsTorchSharp))
            PrepareProcess();
    }

    /// <summary>
    /// Starts loading libtorch on a thread-pool thread, for a command that will certainly make tensors
    /// (<c>vf predict</c>, <c>vf evaluate</c>, <c>vf explain</c>): loading its libraries and running their static
    /// initialisers takes about a second of one core, which then overlaps the command's database work and its
    /// reading of the model. A failure here is not reported here: it is kept, and the command's own first tensor
    /// reports it as usual.
    /// </summary>
    public static void BeginLoadingInBackground() => _ = Task.Run(() =>
    {
        try
        {
            using var probe = TorchSharp.torch.empty(1);
        }
        catch (Exception e) when (FailureReason(e) is not null)
        {
            // Kept by TorchSharp's type initializer or by Failure: the first real tensor reports it.
        }
    });

    /// <summary>Why preparing the native library failed in this process, or null when it did not (or has not run).</summary>
    public static Exception? Failure
    {
        get
        {
            lock (Gate)
            {
                return failure;
            }
        }
    }

    /// <summary>
    /// The reason to show when <paramref name="exception"/> (or one inside it) says the native library could not be
    /// loaded (TorchSharp's type initializer, a missing library or entry point); null for any other failure. Every
    /// later tensor in such a process fails the same way, and each is reported with this reason.
    /// </summary>
    public static string? FailureReason(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var native = e is DllNotFoundException or EntryPointNotFoundException
                || (e is TypeInitializationException { TypeName: { } name } && name.StartsWith("TorchSharp", StringComparison.Ordinal));
            if (native)
            {
                var innermost = e;
                while (innermost.InnerException is not null)
                    innermost = innermost.InnerException;
                return Failure?.Message ?? innermost.Message;
            }
        }

        return null;
    }

    private static bool IsTorchSharp(Assembly assembly) => assembly.GetName().Name == "TorchSharp";

    /// <summary>The patched copy's handle once prepared; zero when none is needed or preparing failed (kept in <see cref="Failure"/>).</summary>
    private static IntPtr TryEnsureLoaded()
    {
        try
        {
            EnsureLoaded();
            return patchedHandle;
        }
        catch (DllNotFoundException)
        {
            return IntPtr.Zero;
        }
    }

    // Before libtorch (and with it OpenMP) is loaded: OpenMP reads its settings once, at load time.
    private static void PrepareProcess()
    {
        OpenMpWaitPolicy.Apply();
        OneDnnInstructionSet.Apply();
    }

    /// <summary>
    /// Prepares the native library once per process (idempotent, thread-safe) and returns what was done.
    /// </summary>
    /// <exception cref="DllNotFoundException">The patched copy or one of libtorch's libraries failed to load.</exception>
    public static TorchNativeLoadReport EnsureLoaded()
    {
        lock (Gate)
        {
            if (report is not null)
                return report;
            if (failure is not null)
                throw new DllNotFoundException($"The training engine's native library could not be prepared: {failure.Message}", failure);
            try
            {
                return report = Load();
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException or IOException or UnauthorizedAccessException or InvalidDataException)
            {
                failure = e;
                throw new DllNotFoundException($"The training engine's native library could not be prepared: {e.Message}", e);
            }
        }
    }

    private static TorchNativeLoadReport Load()
    {
        PrepareProcess();
        if (!OperatingSystem.IsLinux())
            return new TorchNativeLoadReport(TorchNativeLoadOutcome.NotLinux, null, null, []);

        var folder = FindNativeFolder();
        if (folder is null)
            return new TorchNativeLoadReport(TorchNativeLoadOutcome.NativeFolderNotFound, null, null, []);

        var provided = ReadSystemLibStdCxx();
        if (provided is null)
            return new TorchNativeLoadReport(TorchNativeLoadOutcome.SystemLibStdCxxUnknown, folder, null, []);

        var original = File.ReadAllBytes(Path.Combine(folder, TorchSharpLibrary));
        var missing = ElfVersionNeeds.Read(original).UnsatisfiedBy(LibStdCxx, provided.Definitions);
        if (missing.Count == 0)
            return new TorchNativeLoadReport(TorchNativeLoadOutcome.NotNeeded, folder, null, []);

        var copy = WritePatchedCopy(original, missing);
        foreach (var dependency in Dependencies)
        {
            var path = Path.Combine(folder, dependency);
            if (File.Exists(path))
                NativeLibrary.Load(path);
        }

        patchedHandle = NativeLibrary.Load(copy);
        BindTorchSharpToPatchedCopy();
        return new TorchNativeLoadReport(TorchNativeLoadOutcome.PatchedCopyLoaded, folder, copy, missing);
    }

    /// <summary>Writes (once per library content and set of versions) the patched copy and returns its path.</summary>
    private static string WritePatchedCopy(byte[] original, IReadOnlyList<string> weaken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(
            [.. original, .. Encoding.UTF8.GetBytes(string.Join('\n', weaken))]))[..24];
        try
        {
            return WritePatchedCopy(original, weaken, Path.Combine(CacheRoot(), "visionfactory", "torchsharp-native", key));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only or full home folder: fall back to the temp folder.
            return WritePatchedCopy(original, weaken, Path.Combine(Path.GetTempPath(), $"visionfactory-torchsharp-native-{key}"));
        }
    }

    private static string WritePatchedCopy(byte[] original, IReadOnlyList<string> weaken, string directory)
    {
        var target = Path.Combine(directory, TorchSharpLibrary);
        if (File.Exists(target) && new FileInfo(target).Length == original.Length)
            return target;

        Directory.CreateDirectory(directory);
        var weakSet = weaken.ToHashSet(StringComparer.Ordinal);
        var patched = ElfVersionNeeds.WithWeakRequirements(original, r => r.File == LibStdCxx && weakSet.Contains(r.Version));
        var temporary = Path.Combine(directory, $"{TorchSharpLibrary}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(patched);
            stream.Flush(flushToDisk: true);
        }

        // Atomic: a concurrent process sees either no file or a complete one (the key names the content).
        File.Move(temporary, target, overwrite: true);
        return target;
    }

    private static string CacheRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg))
            return xdg;
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
    }

    /// <summary>Where TorchSharp's native assets sit for this app: its runtimes folder, its base folder, or the deps probe paths.</summary>
    private static string? FindNativeFolder()
    {
        var rid = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "linux-arm64",
            _ => "linux-x64",
        };
        var candidates = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", rid, "native"),
            AppContext.BaseDirectory,
        };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string probes)
            candidates.AddRange(probes.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, TorchSharpLibrary)));
    }

    /// <summary>The version definitions of the system's libstdc++, or null when it cannot be found or read.</summary>
    private static ElfVersionNeeds? ReadSystemLibStdCxx()
    {
        var path = FindSystemLibStdCxx();
        if (path is null)
            return null;
        try
        {
            var library = ElfVersionNeeds.ReadFile(path);
            return library.Definitions.Count > 0 ? library : null;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The libstdc++ the dynamic loader gives this process: loaded by its soname, then located in /proc/self/maps.</summary>
    private static string? FindSystemLibStdCxx()
    {
        if (NativeLibrary.TryLoad(LibStdCxx, out _))
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/maps"))
                {
                    var at = line.IndexOf('/', StringComparison.Ordinal);
                    var path = at < 0 ? "" : line[at..].Replace(" (deleted)", "", StringComparison.Ordinal);
                    if (Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal) && File.Exists(path))
                        return path;
                }
            }
            catch (IOException)
            {
                // Fall back to the usual directories below.
            }
        }

        string[] directories =
        [
            .. (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries),
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
            "/lib64", "/usr/lib64", "/lib", "/usr/lib",
        ];
        return directories.Select(d => Path.Combine(d, LibStdCxx)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// Makes TorchSharp's <c>LibTorchSharp</c> imports resolve to the patched copy. Even without the resolver the
    /// loader matches the already-loaded copy by its soname once the probe of the original fails.
    /// </summary>
    private static void BindTorchSharpToPatchedCopy()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // TorchSharp (or someone else) registered a resolver already; soname matching still applies.
        }

        static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
            name is "LibTorchSharp" or TorchSharpLibrary ? patchedHandle : IntPtr.Zero;
    }
}
