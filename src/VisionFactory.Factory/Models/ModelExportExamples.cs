namespace VisionFactory.Factory.Models;

/// <summary>
/// The two example programs of an export package. Both read the input contract from the model's metadata
/// (<c>image_size</c>, <c>fit</c>), prepare the picture as the platform does (centre square or stretch, bilinear resize
/// to the square, RGB 0..255) and print the most probable label.
/// </summary>
internal static class ModelExportExamples
{
    public const string CSharpProgram = """
        // Classifies one picture with the exported model: dotnet run -- <image> [<model.onnx>] [<labels.json>]
        using System.Text.Json;
        using Microsoft.ML.OnnxRuntime;
        using SkiaSharp;

        var image = args.Length > 0 ? args[0] : throw new ArgumentException("usage: dotnet run -- <image> [model.onnx] [labels.json]");
        var modelPath = args.Length > 1 ? args[1] : Path.Combine("..", "model.onnx");
        var labelsPath = args.Length > 2 ? args[2] : Path.Combine("..", "labels.json");
        var labels = JsonSerializer.Deserialize<string[]>(File.ReadAllText(labelsPath))!;

        using var session = new InferenceSession(modelPath);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        var size = int.Parse(metadata["image_size"], System.Globalization.CultureInfo.InvariantCulture);
        var centreCrop = metadata["fit"] == "center-crop";

        using var decoded = SKBitmap.Decode(image) ?? throw new InvalidDataException($"{image} is not an image");
        using var upright = decoded.Copy(SKColorType.Rgba8888);
        var side = Math.Min(upright.Width, upright.Height);
        using var square = new SKBitmap();
        if (centreCrop && upright.Width != upright.Height)
            upright.ExtractSubset(square, new SKRectI((upright.Width - side) / 2, (upright.Height - side) / 2, (upright.Width + side) / 2, (upright.Height + side) / 2));
        var source = centreCrop && upright.Width != upright.Height ? square : upright;
        using var resized = source.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));

        // [1, 3, size, size], RGB, 0..255: the graph itself normalises.
        var pixels = new float[3 * size * size];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var colour = resized.GetPixel(x, y);
                pixels[(0 * size * size) + (y * size) + x] = colour.Red;
                pixels[(1 * size * size) + (y * size) + x] = colour.Green;
                pixels[(2 * size * size) + (y * size) + x] = colour.Blue;
            }
        }

        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, size, size]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["image"], [input], ["probabilities"]);
        var probabilities = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var best = Array.IndexOf(probabilities, probabilities.Max());
        Console.WriteLine($"{labels[best]} {probabilities[best]:0.0000}");
        """;

    public const string CSharpProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>Exe</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.32.0" />
            <PackageReference Include="SkiaSharp" Version="3.119.4" />
            <PackageReference Include="SkiaSharp.NativeAssets.Linux.NoDependencies" Version="3.119.4" />
          </ItemGroup>
        </Project>
        """;

    public const string Python = """
        # Classifies one picture with the exported model: python3 classify.py <image> [model.onnx] [labels.json]
        # Needs: pip install onnxruntime pillow numpy
        import json
        import os
        import sys

        import numpy as np
        import onnxruntime as ort
        from PIL import Image

        here = os.path.dirname(os.path.abspath(__file__))
        image_path = sys.argv[1]
        model_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "model.onnx")
        labels_path = sys.argv[3] if len(sys.argv) > 3 else os.path.join(here, "..", "labels.json")
        with open(labels_path, encoding="utf-8") as f:
            labels = json.load(f)

        session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        metadata = session.get_modelmeta().custom_metadata_map
        size = int(metadata["image_size"])

        picture = Image.open(image_path).convert("RGB")
        if metadata["fit"] == "center-crop" and picture.width != picture.height:
            side = min(picture.width, picture.height)
            left, top = (picture.width - side) // 2, (picture.height - side) // 2
            picture = picture.crop((left, top, left + side, top + side))
        picture = picture.resize((size, size), Image.BILINEAR)

        # [1, 3, size, size], RGB, 0..255: the graph itself normalises.
        pixels = np.asarray(picture, dtype=np.float32).transpose(2, 0, 1)[np.newaxis]
        probabilities = session.run(["probabilities"], {"image": pixels})[0][0]
        best = int(np.argmax(probabilities))
        print(f"{labels[best]} {probabilities[best]:.4f}")
        """;

    public static IReadOnlyList<(string Name, string Text)> All { get; } =
    [
        ("example/Program.cs", CSharpProgram),
        ("example/Example.csproj", CSharpProject),
        ("example/classify.py", Python),
    ];
}
