using System.Diagnostics;
using BitMiracle.LibTiff.Classic;
using VisionFactory.Datasets.Collect.Geo;
using VisionFactory.Imaging.Encoding;
using VisionFactory.Testing;

namespace VisionFactory.Bench;

/// <summary>
/// Chips/s cut from a 10 000 x 10 000 four-band uint16 GeoTIFF (256 px Deflate tiles, generated once into the temp
/// folder), 256 px chips with a band triple and the scene's 2-98% stretch, beside the raw cost of decoding the same
/// tiles (no chipping) with the same parallelism in the same run; and the process's peak working set.
/// </summary>
internal static class GeoBench
{
    private const int Side = 10_000;
    private const int Chip = 256;

    public static void Run()
    {
        Console.WriteLine();
        Console.WriteLine($"## Geo: {Side}x{Side} px, 4 bands uint16, 256 px Deflate tiles; {Chip} px chips, bands 4,3,2, stretch 2-98%; {Environment.ProcessorCount} cores");
        var folder = Path.Combine(Path.GetTempPath(), "vf-bench-geo");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"scene-{Side}.tif");
        if (!File.Exists(path))
        {
            var made = Stopwatch.StartNew();
            var partial = path + ".partial";
            SyntheticGeoTiff.Write(partial, new GeoTiffSpec { Width = Side, Height = Side, Bands = 4, Tile = 256, Compression = Compression.ADOBE_DEFLATE }, Value);
            File.Move(partial, path);
            Console.WriteLine($"  generated {path} ({new FileInfo(path).Length / 1048576.0:0} MB on disk, {Side * (long)Side * 8 / 1048576.0:0} MB of pixels) in {made.Elapsed.TotalSeconds:0.0} s");
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        GC.Collect();
        var baseline = Environment.WorkingSet;
        using (var reference = GeoScene.Open(path, GeoLimits.Default))
        {
            var file = reference.Files[0];
            var clock = Stopwatch.StartNew();
            long bytes = 0;
            Parallel.For(0, file.BlockCount, parallel, () => new byte[file.BlockBytes], (tile, _, buffer) =>
            {
                var read = file.DecodeUncached(tile, buffer);
                Interlocked.Add(ref bytes, read);
                return buffer;
            }, _ => { });
            var decode = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  working set peak after decoding every tile: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB");
            Console.WriteLine($"  decode every tile only (reference): {file.BlockCount} tiles, {bytes / 1048576.0:0} MB in {decode:0.00} s = {bytes / 1048576.0 / decode:0} MB/s");

            GC.Collect();
            using var scene = GeoScene.Open(path, GeoLimits.Default);
            clock.Restart();
            var chipper = new SceneChipper(scene, GeoChipOptions.Default with { Size = Chip, Bands = [4, 3, 2] });
            var stretch = clock.Elapsed.TotalSeconds;
            var grid = chipper.Grid(out var partial);
            clock.Restart();
            long checksum = 0;
            Parallel.ForEach(grid, parallel, () => new byte[Chip * Chip * 3], (chip, _, rgb) =>
            {
                chipper.Cut(chip, rgb);
                Interlocked.Add(ref checksum, rgb[0]);
                return rgb;
            }, _ => { });
            var cut = clock.Elapsed.TotalSeconds;
            var tilesUsed = scene.Files[0].Decodes;
            Console.WriteLine($"  working set peak after cutting every chip: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MB");
            Console.WriteLine($"  stretch measured from the scene's sample in {stretch:0.00} s: {string.Join(", ", chipper.Stretches.Select(s => $"{s.Low:0}..{s.High:0}"))}");
            Console.WriteLine($"  cut {grid.Count} chips ({partial.Count} partial edge chips dropped) in {cut:0.00} s = {grid.Count / cut:0} chips/s " +
                $"({tilesUsed} tile decodes incl. the stretch's sample); {100 * decode / cut:0}% of the decode-only rate ({grid.Count * (Chip * (double)Chip) / (Side * (double)Side) * 100:0}% of the scene's pixels cut)");

            clock.Restart();
            Parallel.ForEach(grid, parallel, () => new byte[Chip * Chip * 3], (chip, _, rgb) =>
            {
                chipper.Cut(chip, rgb);
                Interlocked.Add(ref checksum, RawImage.EncodePng(rgb, Chip, Chip, 3).Length);
                return rgb;
            }, _ => { });
            var encoded = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  cut + PNG encode (what an import stores): {grid.Count / encoded:0} chips/s");
            var peak = Process.GetCurrentProcess().PeakWorkingSet64;
            var heap = GC.GetGCMemoryInfo();
            GC.Collect();
            Console.WriteLine($"  peak working set of the process: {peak / 1048576.0:0} MB; {baseline / 1048576.0:0} MB before the scene was opened (runtime and libtorch loaded by the harness); " +
                $"managed heap {heap.HeapSizeBytes / 1048576.0:0} MB at the end, {GC.GetTotalMemory(true) / 1048576.0:0} MB live after a full collection with the chipper's tile cache (bound {GeoLimits.Default.CacheBytes >> 20} MB) still held; checksum {checksum}");
        }
    }

    // A gradient per band with a little texture, so the stretch and Deflate see something like a real scene.
    private static double Value(int band, int x, int y)
    {
        var noise = ((x * 73856093) ^ (y * 19349663) ^ (band * 83492791)) & 255;
        return 400 + (band * 700) + ((x + y) / 8) + noise;
    }
}
