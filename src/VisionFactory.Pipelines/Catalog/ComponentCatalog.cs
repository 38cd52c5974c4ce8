using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using VisionFactory.Domain;

namespace VisionFactory.Pipelines.Catalog;

/// <summary>A catalog entry with the factory that builds a running instance from validated settings.</summary>
public sealed record CatalogEntry(ComponentDescriptor Descriptor, Func<ComponentContext, JsonElement, Task<object>> Create);

/// <summary>
/// The component catalog (the "marketplace"): every source, processor and sink a pipeline can use, each with its
/// settings schema. <see cref="Default"/> holds the built-in components.
/// </summary>
public sealed class ComponentCatalog
{
    private readonly Dictionary<string, CatalogEntry> entries;

    public ComponentCatalog(IEnumerable<CatalogEntry> entries)
    {
        this.entries = entries.ToDictionary(e => e.Descriptor.Id, StringComparer.Ordinal);
    }

    public static ComponentCatalog Default { get; } = new(BuiltInComponents.All());

    /// <summary>Sources first, then processors, then sinks, each group in catalog order.</summary>
    public IReadOnlyList<ComponentDescriptor> All => entries.Values.Select(e => e.Descriptor).OrderBy(d => d.Kind).ToList();

    public bool TryGet(string id, [NotNullWhen(true)] out ComponentDescriptor? descriptor)
    {
        descriptor = entries.TryGetValue(id ?? "", out var entry) ? entry.Descriptor : null;
        return descriptor is not null;
    }

    public ComponentDescriptor Get(string id) =>
        TryGet(id, out var descriptor) ? descriptor : throw ProblemException.NotFound($"there is no component '{id}' ('vf pipeline catalog' lists them)");

    public Task<object> CreateAsync(ComponentContext context, string component, JsonElement settings) =>
        entries.TryGetValue(component, out var entry)
            ? entry.Create(context, settings)
            : throw ProblemException.NotFound($"there is no component '{component}'");
}
