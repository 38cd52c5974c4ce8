using System.Diagnostics;
using SkiaSharp;
using VisionFactory.Imaging.Caching;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Imaging.Quality;
using VisionFactory.Storage;
using VisionFactory.Storage.Blobs;

namespace VisionFactory.Bench;

internal static class ImportStages
{
    public static void Run(string masks)
    {
        var files = Directory.EnumerateFiles(masks, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".md", StringComparison.Ordinal)).ToList();
        var root = Path.Combine(Path.GetTempPath(), "vf-stages-" + Guid.NewGuid().ToString("N")[..8]);
        var bytes = files.Select(File.ReadAllBytes).ToList();
        var shas = bytes.Select(b => BlobStore.Sha256Of(b)).ToList();
        var rgbs = bytes.Select(b => ImageDecoder.DecodeSquare(b, 224, ImageLimits.Default).Rgb).ToList();
        var best = new Dictionary<string, (double Cpu, double Wall)>();
        for (var pass = 0; pass < 3; pass++)
        {
            var data = new DataDirectory(Path.Combine(root, "p" + pass));
            var blobs = new BlobStore(data);
            var pixels = new PixelCache(Path.Combine(data.CachePath, "pixels"));
            void Time(string name, Action<int> a)
            {
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var c = Stopwatch.StartNew();
                for (var i = 0; i < files.Count; i++)
                {
                    a(i);
                }

                var used = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / files.Count;
                var wall = c.Elapsed.TotalMilliseconds / files.Count;
                var old = best.GetValueOrDefault(name, (double.MaxValue, double.MaxValue));
                best[name] = (Math.Min(old.Item1, used), Math.Min(old.Item2, wall));
            }

            Time("read", i => File.ReadAllBytes(files[i]));
            Time("sha256", i => BlobStore.Sha256Of(bytes[i]));
            Time("codec decode only", i => { using var codec = SKCodec.Create(new MemoryStream(bytes[i])); var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul); using var bm = new SKBitmap(info); codec.GetPixels(info, bm.GetPixels()); });
            Time("DecodeSquare 224", i => ImageDecoder.DecodeSquare(bytes[i], 224, ImageLimits.Default));
            Time("blob exists+put", i => { if (!blobs.Exists(shas[i])) { blobs.PutUnflushed(bytes[i]); } });
            Time("pixel write", i => pixels.Write(shas[i], 224, rgbs[i]));
            Time("phash", i => PerceptualHash.Of(rgbs[i], 224));
            Time("flush", i => blobs.FlushToDisk(shas[i]));
        }

        foreach (var (k, v) in best)
        {
            Console.WriteLine($"  {k,-30} {v.Cpu,8:0.000} CPU ms/img {v.Wall,8:0.000} wall ms/img");
        }

        Directory.Delete(root, true);
    }
}
