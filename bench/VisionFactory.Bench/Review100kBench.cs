using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using VisionFactory.Datasets.Import;
using VisionFactory.Datasets.Review;
using VisionFactory.Factory;
using VisionFactory.Imaging.Decoding;
using VisionFactory.Storage;

namespace VisionFactory.Bench;

/// <summary>
/// <c>review-100k [--count N]</c>: N distinct JPEGs made from the masks corpus (random crops, mirror images, colour
/// changes, sizes), with planted exact copies and near copies so the answer is known; imported, then reviewed end to
/// end (measure, hash, embed, near-duplicate search, leakage, confident learning), with the time of each stage.
/// </summary>
internal static class Review100kBench
{
    // Every 50 images: one exact copy of the image before it, and one near copy (the same picture re-encoded smaller).
    private const int Period = 50;

    public static async Task RunAsync(string masks, int count)
    {
        Console.WriteLine();
        Console.WriteLine($"## Review of {count} generated images (from {masks}), {Environment.ProcessorCount} cores, end to end");
        var root = Path.Combine(Path.GetTempPath(), "vf-bench-review100k-" + Guid.NewGuid().ToString("N")[..8]);
        var total = Stopwatch.StartNew();
        try
        {
            var source = Path.Combine(root, "source");
            var clock = Stopwatch.StartNew();
            var planted = Generate(masks, source, count);
            Console.WriteLine($"  generate: {clock.Elapsed.TotalSeconds:0.0} s ({count / clock.Elapsed.TotalSeconds:0} img/s); " +
                $"planted {planted.Exact} exact copies and {planted.Near.Count} near copies");

            await using var services = new ServiceCollection().AddVisionFactory(new DataDirectory(Path.Combine(root, "data"))).BuildServiceProvider();
            await services.MigrateDatabaseAsync(CancellationToken.None);
            await using var scope = services.CreateAsyncScope();
            clock.Restart();
            var version = await scope.ServiceProvider.GetRequiredService<DatasetImporter>().ImportAsync("generated", source, ImportOptions.Default, null, CancellationToken.None);
            var import = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  import: {import:0.0} s ({count / import:0.0} img/s); {version.Items.Count} images, " +
                $"{version.Import.Duplicates.Count} exact-duplicate groups, {version.Import.Skipped.Count} skipped; grouped split: {version.Import.Grouping}");
            Console.WriteLine($"  peak working set after import: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");

            var stages = new Stages();
            clock.Restart();
            var report = await scope.ServiceProvider.GetRequiredService<DatasetReviewer>()
                .ReviewAsync("generated", null, new ReviewOptions(), stages, CancellationToken.None);
            var review = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  review: {review:0.0} s ({version.Items.Count / review:0.0} img/s); stages:");
            foreach (var (phase, seconds) in stages.Durations())
            {
                Console.WriteLine($"    {phase,-20} {seconds,8:0.0} s");
            }

            Console.WriteLine($"  peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB");
            var paths = version.Items.Select(i => i.SourcePath).ToList();
            var groupOf = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var g = 0; g < report.NearDuplicates.Count; g++)
            {
                foreach (var image in report.NearDuplicates[g].Images)
                {
                    groupOf[image.Path] = g;
                }
            }

            var nearFound = planted.Near.Count(p => groupOf.TryGetValue(p.Copy, out var a) && groupOf.TryGetValue(p.Original, out var b) && a == b);
            Console.WriteLine($"  found: {report.ExactDuplicates.Count} exact-duplicate groups (planted {planted.Exact}); planted near copies in the " +
                $"original's near-duplicate group: {nearFound} of {planted.Near.Count}; {report.NearDuplicates.Count} near-duplicate groups " +
                $"({report.NearDuplicates.Sum(g => g.Images.Count)} images); leakage pairs {report.Leakage.Pairs}; " +
                $"suspected labels {report.SuspectedLabels.Count}; label-check accuracy {report.LabelCheck?.Accuracy:P1}");
            Console.WriteLine($"  import + review: {import + review:0.0} s; whole benchmark {total.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(root, recursive: true);
        }
    }

    private sealed record Planted(int Exact, List<(string Original, string Copy)> Near);

    private static Planted Generate(string masks, string target, int count)
    {
        // The corpus decoded once, at most 256 pixels on the longer side.
        var originals = Directory.EnumerateFiles(masks, "*.jpg", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (Class: Path.GetFileName(Path.GetDirectoryName(f)!), Image: Load(f)))
            .ToList();
        foreach (var c in originals.Select(o => o.Class).Distinct())
        {
            Directory.CreateDirectory(Path.Combine(target, c));
        }

        var names = new string[count];
        var classes = new string[count];
        var near = new List<(string, string)>();
        var exact = 0;
        for (var i = 0; i < count; i++)
        {
            classes[i] = originals[new Random(i).Next(originals.Count)].Class;
            names[i] = $"{classes[i]}/g{i:D6}.jpg";
            if (i % Period == Period - 1 && i >= 2)
            {
                classes[i] = classes[i - 2];
                names[i] = $"{classes[i]}/g{i:D6}-copy.jpg";
                exact++;
            }
            else if (i % Period == Period - 2 && i >= 1)
            {
                classes[i] = classes[i - 1];
                names[i] = $"{classes[i]}/g{i:D6}-near.jpg";
                near.Add((names[i - 1], names[i]));
            }
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            if (i % Period == Period - 1)
            {
                return;
            }

            // A near copy repeats the picture before it (same random draws), smaller and at another quality.
            var near = i % Period == Period - 2;
            var random = new Random(near ? i - 1 : i);
            var source = originals[random.Next(originals.Count)].Image;
            var jpeg = Variant(source, random, near);
            File.WriteAllBytes(Path.Combine(target, names[i]), jpeg);
            if (i % Period == Period - 3 && i + 2 < count)
            {
                File.WriteAllBytes(Path.Combine(target, names[i + 2]), jpeg);
            }
        });

        originals.ForEach(o => o.Image.Dispose());
        return new Planted(exact, near);
    }

    private static SKImage Load(string file)
    {
        var (_, bitmap) = ImageDecoder.DecodeUpright(File.ReadAllBytes(file), 128, ImageLimits.Default);
        using (bitmap)
        {
            var scale = Math.Min(1.0, 256.0 / Math.Max(bitmap.Width, bitmap.Height));
            var info = new SKImageInfo(Math.Max(1, (int)(bitmap.Width * scale)), Math.Max(1, (int)(bitmap.Height * scale)), SKColorType.Rgba8888, SKAlphaType.Premul);
            using var resized = bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
            return SKImage.FromBitmap(resized);
        }
    }

    // A random crop (55-100% of each side), maybe mirrored, with brightness, contrast and saturation changes, at 96-192
    // pixels on the longer side, as a JPEG of quality 70-95.
    private static byte[] Variant(SKImage source, Random random, bool near)
    {
        var cropW = source.Width * (0.55 + (0.45 * random.NextDouble()));
        var cropH = source.Height * (0.55 + (0.45 * random.NextDouble()));
        var x = (source.Width - cropW) * random.NextDouble();
        var y = (source.Height - cropH) * random.NextDouble();
        var mirror = random.NextDouble() < 0.5;
        var brightness = (float)((random.NextDouble() - 0.5) * 0.3);
        var contrast = (float)(0.8 + (0.4 * random.NextDouble()));
        var saturation = (float)(0.6 + (0.8 * random.NextDouble()));
        var longer = 96 + random.Next(97);
        var quality = 70 + random.Next(26);
        if (near)
        {
            longer = Math.Max(64, longer * 3 / 4);
            quality = quality > 80 ? quality - 15 : quality + 10;
        }

        var scale = longer / Math.Max(cropW, cropH);
        var width = Math.Max(16, (int)Math.Round(cropW * scale));
        var height = Math.Max(16, (int)Math.Round(cropH * scale));
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        if (mirror)
        {
            canvas.Scale(-1, 1, width / 2f, 0);
        }

        using var paint = new SKPaint { ColorFilter = SKColorFilter.CreateColorMatrix(ColourMatrix(brightness, contrast, saturation)) };
        canvas.DrawImage(source, new SKRect((float)x, (float)y, (float)(x + cropW), (float)(y + cropH)), new SKRect(0, 0, width, height),
            new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear), paint);
        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    // Saturation (towards the BT.601 grey), then contrast about mid-grey, then brightness, as one 4 x 5 colour matrix.
    private static float[] ColourMatrix(float brightness, float contrast, float saturation)
    {
        const float r = 0.299f, g = 0.587f, b = 0.114f;
        var s = saturation;
        float[,] sat =
        {
            { r + ((1 - r) * s), g - (g * s), b - (b * s) },
            { r - (r * s), g + ((1 - g) * s), b - (b * s) },
            { r - (r * s), g - (g * s), b + ((1 - b) * s) },
        };
        var offset = (0.5f * (1 - contrast)) + brightness;
        var m = new float[20];
        for (var row = 0; row < 3; row++)
        {
            for (var col = 0; col < 3; col++)
            {
                m[(row * 5) + col] = sat[row, col] * contrast;
            }

            m[(row * 5) + 4] = offset;
        }

        m[18] = 1;
        return m;
    }

    // The time from each phase's first report to the next phase's first report (the last ends at the end).
    private sealed class Stages : IProgress<ReviewProgress>
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly List<(string Phase, double Start)> starts = [];
        private double end;

        public void Report(ReviewProgress value)
        {
            lock (starts)
            {
                if (starts.Count == 0 || starts[^1].Phase != value.Phase)
                {
                    starts.Add((value.Phase, clock.Elapsed.TotalSeconds));
                }

                end = clock.Elapsed.TotalSeconds;
            }
        }

        public IEnumerable<(string Phase, double Seconds)> Durations() =>
            starts.Select((s, i) => (s.Phase, (i + 1 < starts.Count ? starts[i + 1].Start : end) - s.Start));
    }
}
