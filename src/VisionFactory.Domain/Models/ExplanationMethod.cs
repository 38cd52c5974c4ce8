namespace VisionFactory.Domain.Models;

/// <summary>How a heat map of what a classifier looked at is made.</summary>
public enum ExplanationMethod
{
    /// <summary>Class activation map: the head's weights over the last feature map (global-average-pool + linear heads only).</summary>
    Cam,

    /// <summary>Grad-CAM: feature maps weighted by the spatial mean of the class score's gradient.</summary>
    GradCam,

    /// <summary>Grad-CAM++: like Grad-CAM, with per-position weights that favour several separate objects.</summary>
    GradCamPlusPlus,
}

/// <summary>The names users type for <see cref="ExplanationMethod"/>: <c>cam</c>, <c>gradcam</c>, <c>gradcam++</c>.</summary>
public static class ExplanationMethods
{
    public const string Names = "cam, gradcam, gradcam++";

    public static ExplanationMethod Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or "" or "gradcam" or "grad-cam" or "grad_cam" => ExplanationMethod.GradCam,
        "cam" => ExplanationMethod.Cam,
        "gradcam++" or "grad-cam++" or "gradcampp" or "gradcamplusplus" or "gradcam_plus_plus" => ExplanationMethod.GradCamPlusPlus,
        _ => throw ProblemException.Invalid($"unknown explanation method '{name}'; use one of {Names}"),
    };

    public static string NameOf(ExplanationMethod method) => method switch
    {
        ExplanationMethod.Cam => "cam",
        ExplanationMethod.GradCamPlusPlus => "gradcam++",
        _ => "gradcam",
    };
}
