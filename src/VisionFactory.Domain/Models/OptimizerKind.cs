namespace VisionFactory.Domain.Models;

/// <summary>The optimizer a run uses.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with Nesterov-free momentum 0.9.</summary>
    Sgd = 0,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW = 1,
}
