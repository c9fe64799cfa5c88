using System.Reflection;

namespace RealtimeDenoise.Host.Cli;

/// <summary>Finds every <see cref="ICommand"/> in this assembly.</summary>
public static class CommandCatalog
{
    public static IReadOnlyList<ICommand> All { get; } = typeof(CommandCatalog).Assembly.GetTypes()
        .Where(t => typeof(ICommand).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false } && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (ICommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToArray();

    public static ICommand? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
