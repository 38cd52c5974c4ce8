using System.Text.Json.Serialization;

namespace VisionFactory.Datasets.Import;

/// <summary>How an import source lays out its images and labels.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImportFormat>))]
public enum ImportFormat
{
    /// <summary>Recognised from the name and contents: .csv, .json (COCO), CIFAR-10 .bin, MNIST idx, else ImageFolder.</summary>
    Auto,

    /// <summary>One sub-folder per class (a folder, .zip, .tar, .tar.gz).</summary>
    ImageFolder,

    /// <summary>A CSV manifest with the columns path and label; paths relative to the manifest's folder.</summary>
    Csv,

    /// <summary>CIFAR-10 binary batches (a .bin file or a folder of them; batches.meta.txt names the classes).</summary>
    Cifar10,

    /// <summary>MNIST idx files (a folder with *-images-idx3-ubyte and *-labels-idx1-ubyte pairs, optionally .gz).</summary>
    Mnist,

    /// <summary>A COCO-style JSON (images, annotations with category_id, categories); paths relative to the JSON's folder.</summary>
    Coco,

    /// <summary>Image addresses: a list file (one 'url' or 'class,url' a line) or one http(s) address.</summary>
    Urls,

    /// <summary>Web pages whose images (img, srcset) are collected: a list file or one http(s) address.</summary>
    Pages,

    /// <summary>GeoTIFF scenes cut into chips, labelled from polygons (GeoJSON or shapefile).</summary>
    Geo,

    /// <summary>Scenes found by a STAC search (an http(s) STAC API address), downloaded and cut into chips like GeoTIFFs.</summary>
    Stac,
}
