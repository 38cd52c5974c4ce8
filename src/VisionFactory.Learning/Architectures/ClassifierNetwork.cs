using TorchSharp;
using TorchSharp.Modules;
using VisionFactory.Imaging.Decoding;
using static TorchSharp.torch;

namespace VisionFactory.Learning.Architectures;

/// <summary>
/// A network ready to classify: the module, its classifier head (found by path), and how its input must be
/// prepared. The head's input is the network's feature vector, read with a forward pre-hook, so any architecture
/// with a linear head supports head-only training over cached features.
/// </summary>
public sealed class ClassifierNetwork : IDisposable
{
    public ClassifierNetwork(string architecture, nn.Module<Tensor, Tensor> module, string headPath, int imageSize, InputTransform input)
    {
        ArgumentNullException.ThrowIfNull(module);
        Architecture = architecture;
        Module = module;
        HeadPath = headPath;
        ImageSize = imageSize;
        Input = input;
        Head = module.named_modules().FirstOrDefault(m => m.name == headPath).module as nn.Module<Tensor, Tensor>
            ?? throw new InvalidOperationException($"{architecture} has no module '{headPath}'");
        FeatureCount = Head switch
        {
            Linear linear => (int)linear.weight!.shape[1],
            Conv2d conv => (int)conv.weight!.shape[1],
            _ => throw new InvalidOperationException($"{architecture}'s head '{headPath}' is neither Linear nor Conv2d"),
        };
    }

    public string Architecture { get; }

    public nn.Module<Tensor, Tensor> Module { get; }

    /// <summary>The final classifier layer.</summary>
    public nn.Module<Tensor, Tensor> Head { get; }

    public string HeadPath { get; }

    /// <summary>Width of the features the head reads.</summary>
    public int FeatureCount { get; }

    public int ImageSize { get; }

    /// <summary>
    /// Names the backbone weights when they are fixed and shared (bundled or imported pretrained weights), so
    /// features computed through them can be cached; null when the backbone is fresh or trained.
    /// </summary>
    public string? BackboneKey { get; set; }

    public InputTransform Input { get; private set; }

    /// <summary>
    /// True when the network classifies a single image faster from channels-last input (<see cref="MemoryLayout"/>):
    /// its one-image forward passes outside training then get their input in that layout. Batches of several images
    /// are always evaluated channels-last, which every architecture measured runs at least as fast.
    /// </summary>
    public bool ChannelsLastInference { get; init; }

    /// <summary>True when the network trains faster on channels-last input: its training batches then come in that layout.</summary>
    public bool ChannelsLastTraining { get; init; }

    /// <summary>
    /// The module after which a single image's forward pass outside training and autograd leaves oneDNN's blocked
    /// layout (<see cref="BlockedLayout"/>): such passes enter it at the input and return to dense tensors at that
    /// module's output, so the head and any hook beyond it see ordinary tensors. Null: never used.
    /// </summary>
    public string? BlockedInferenceUntil
    {
        get => blockedInferenceUntil;
        init
        {
            blockedInferenceUntil = value;
            if (value is null)
                return;
            var module = Module.named_modules().FirstOrDefault(m => m.name == value).module as nn.Module<Tensor, Tensor>
                ?? throw new InvalidOperationException($"{Architecture} has no module '{value}' to leave the blocked layout at");

            // Registered once for every pass: dense passes go through it unchanged.
            module.register_forward_hook((_, _, output) => BlockedLayout.ToDense(output));
        }
    }

    private readonly string? blockedInferenceUntil;

    /// <summary>
    /// How pictures are made square for this network: centre-cropped for networks trained now (on the masks corpus
    /// an 8-fold cross-validation of the bundled ResNet's head made 1–2 mistakes in 1 279 pictures this way against
    /// 4–5 stretched, at a third of the loss); a stored model keeps the fit it was trained with.
    /// </summary>
    public SquareFit Fit { get; set; } = SquareFit.CenterCrop;

    /// <summary>Swaps the input preparation, e.g. for the one stored in a trained artifact.</summary>
    public void ReplaceInput(InputTransform input)
    {
        var old = Input;
        Input = input;
        old.Dispose();
    }

    /// <summary>The head's input for a normalised batch, flattened to [N, features].</summary>
    public Tensor Features(Tensor normalised)
    {
        // Modules may run their forward in dispose scopes of their own, so the captured input leaves every scope
        // and is released here once flattened.
        Tensor? captured = null;
        var hook = Head.register_forward_pre_hook((_, input) =>
        {
            captured?.Dispose();
            captured = input.alias().DetachFromDisposeScope();
            return input;
        });
        try
        {
            using var scope = NewDisposeScope();
            Module.call(Prepared(normalised));
        }
        finally
        {
            hook.remove();
        }

        using var features = captured ?? throw new InvalidOperationException($"{Architecture}'s forward never reached '{HeadPath}'");
        return features.flatten(1);
    }

    /// <summary>Logits of a normalised batch.</summary>
    public Tensor Logits(Tensor normalised) => Module.call(Prepared(normalised));

    /// <summary>Logits from head features: the head applied to [N, features].</summary>
    public Tensor HeadLogits(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return Head is Linear linear
            ? linear.call(features)
            : throw new InvalidOperationException($"{Architecture}'s head is not linear, so it cannot classify cached features");
    }

    /// <summary>Copies a trained linear head (weight [classes, features], bias [classes]) into the network.</summary>
    public void SetHead(Tensor weight, Tensor bias)
    {
        ArgumentNullException.ThrowIfNull(weight);
        using var _ = no_grad();
        var parameters = Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var target = parameters[HeadPath + ".weight"];
        using var reshaped = weight.reshape(target.shape);
        target.copy_(reshaped);
        parameters[HeadPath + ".bias"].copy_(bias);
    }

    /// <summary>Sets the head's weights and bias to zero: every class equally likely until it trains.</summary>
    public void ZeroHead()
    {
        // The wrappers zero_ hands back go with this scope (they counted as live tensors otherwise).
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var parameter in Head.parameters())
        {
            parameter.zero_();
        }
    }

    // The input in the layout the network runs fastest in; in the caller's dispose scope. Passes that need gradients
    // stay dense: libtorch has no backward for most blocked operations. The figures behind each
    // choice: bench/VisionFactory.Bench -- layout.
    private Tensor Prepared(Tensor normalised)
    {
        ArgumentNullException.ThrowIfNull(normalised);
        if (normalised.dim() != 4)
            return normalised;
        if (blockedInferenceUntil is not null && BlockedLayout.IsAvailable && normalised.shape[0] == 1 && !Module.training && !is_grad_enabled())
            return BlockedLayout.ToBlocked(normalised);
        var channelsLast = MemoryLayout.IsAvailable && (Module.training ? ChannelsLastTraining : normalised.shape[0] > 1 || ChannelsLastInference);
        return channelsLast ? MemoryLayout.ToChannelsLast(normalised) : normalised;
    }

    public void Dispose()
    {
        Module.Dispose();
        Input.Dispose();
    }
}
