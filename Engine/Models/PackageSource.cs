using System.Reflection;

namespace RealtimeDenoise.Models;

/// <summary>
/// Where the three files of a model package come from: a folder, or a package embedded in this assembly (the
/// default, and its companion). Every read failure is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal sealed class PackageSource
{
    private const string DefaultName = "Default", CompanionName = "NoiseAware";

    private readonly Dictionary<string, byte[]>? _memory;
    private readonly string _memoryLabel, _embeddedName, _resourcePrefix;

    private PackageSource(string? directory, Dictionary<string, byte[]>? memory = null, string memoryLabel = "embedded", string embeddedName = DefaultName)
    {
        Directory = directory;
        _memory = memory;
        _memoryLabel = memoryLabel;
        _embeddedName = embeddedName;
        _resourcePrefix = $"RealtimeDenoise.Models.{embeddedName}.";
    }

    /// <summary>The folder, or null for an embedded or in-memory package.</summary>
    public string? Directory { get; }

    public string Label => Directory ?? (_memory is not null ? "in-memory model package"
        : _embeddedName == DefaultName ? "embedded default model" : "embedded companion model");

    /// <summary>A package held in memory (e.g. generated or downloaded at run time); files are named "memory:NAME".</summary>
    public static PackageSource FromMemory(byte[] encoder, byte[] decoder, byte[] card) => new(null, new Dictionary<string, byte[]>
    {
        [Onnx.VaeOnnx.EncoderFile] = encoder,
        [Onnx.VaeOnnx.DecoderFile] = decoder,
        [Onnx.VaeOnnx.CardFile] = card,
    }, "memory");

    /// <summary>A folder, or (null) the embedded default; fails clearly when no default was embedded at build time.</summary>
    public static PackageSource Open(string? directory)
    {
        if (directory is null) return OpenEmbedded(DefaultName, "models/default/");
        if (!System.IO.Directory.Exists(directory))
            throw new InvalidDataException($"{directory}: model package folder not found.", new DirectoryNotFoundException(directory));
        return new PackageSource(Path.GetFullPath(directory));
    }

    /// <summary>
    /// The embedded companion of the default: the same decoder with an encoder trained on noisy speech (models/noise-aware/),
    /// which the streaming enhancer mixes in at low SNR. Fails clearly when it was not embedded at build time.
    /// </summary>
    public static PackageSource OpenCompanion() => OpenEmbedded(CompanionName, "models/noise-aware/");

    private static PackageSource OpenEmbedded(string name, string folder)
    {
        var source = new PackageSource(null, memoryLabel: name == DefaultName ? "embedded" : "embedded-companion", embeddedName: name);
        var names = typeof(PackageSource).Assembly.GetManifestResourceNames();
        string[] missing = [.. new[] { Onnx.VaeOnnx.EncoderFile, Onnx.VaeOnnx.DecoderFile, Onnx.VaeOnnx.CardFile }.Where(f => !names.Contains(source._resourcePrefix + f))];
        if (missing.Length > 0)
            throw new InvalidDataException(
                $"No {(name == DefaultName ? "default" : "companion")} model is embedded in {typeof(PackageSource).Assembly.GetName().Name} (missing: {string.Join(", ", missing)}; " +
                $"{folder} did not exist when it was built). Give a model package folder instead (e.g. models/NAME).");
        return source;
    }

    /// <summary>How a file of this package is named in messages: its path, or "embedded:NAME".</summary>
    public string Describe(string file) => Directory is null ? _memoryLabel + ":" + file : Path.Combine(Directory, file);

    /// <summary>The file's path on disk, or null when it is embedded.</summary>
    public string? PathOf(string file) => Directory is null ? null : Path.Combine(Directory, file);

    public byte[] ReadBytes(string file)
    {
        if (_memory is not null) return _memory[file];
        if (Directory is null)
        {
            using var stream = typeof(PackageSource).Assembly.GetManifestResourceStream(_resourcePrefix + file)
                ?? throw new InvalidDataException($"embedded:{file}: resource missing from {typeof(PackageSource).Assembly.GetName().Name}.");
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        string path = Path.Combine(Directory, file);
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidDataException($"{path}: missing file (a model package needs {Onnx.VaeOnnx.EncoderFile}, {Onnx.VaeOnnx.DecoderFile} and {Onnx.VaeOnnx.CardFile}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read ({e.Message}).", e);
        }
    }

    /// <summary>An optional file of the package (e.g. the <see cref="Enhancement.MaskRefiner"/>), or null when the package has none.</summary>
    public byte[]? TryReadBytes(string file)
    {
        if (_memory is not null) return _memory.GetValueOrDefault(file);
        if (Directory is null)
            return typeof(PackageSource).Assembly.GetManifestResourceNames().Contains(_resourcePrefix + file) ? ReadBytes(file) : null;
        return File.Exists(Path.Combine(Directory, file)) ? ReadBytes(file) : null;
    }

    public ModelCard ReadCard()
    {
        string file = Onnx.VaeOnnx.CardFile;
        var card = ModelCard.FromJson(System.Text.Encoding.UTF8.GetString(ReadBytes(file)), Describe(file));
        return card;
    }
}
