namespace VisionFactory.Domain.Models;

/// <summary>What a run trains.</summary>
public enum TrainingMode
{
    /// <summary>Backbone frozen; its features are computed once and cached, only the classifier head trains.</summary>
    Head = 0,

    /// <summary>Every layer trains, starting from the pretrained weights.</summary>
    Finetune = 1,
}
