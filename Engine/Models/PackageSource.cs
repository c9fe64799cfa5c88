using System.Reflection;

namespace RealtimeDenoise.Models;

/// <summary>
/// Where the three files of a model package come from: a folder, or the default package embedded in this
/// assembly. Every read failure is an <see cref="InvalidDataException"/> naming the file.
/// </summary>
internal sealed class PackageSource
{
    private const string ResourcePrefix = "RealtimeDenoise.Models.Default.";

    private readonly Dictionary<string, byte[]>? _memory;
    private readonly string _memoryLabel;

    private PackageSource(string? directory, Dictionary<string, byte[]>? memory = null, string memoryLabel = "embedded")
    {
        Directory = directory;
        _memory = memory;
        _memoryLabel = memoryLabel;
    }

    /// <summary>The folder, or null for an embedded or in-memory package.</summary>
    public string? Directory { get; }

    public string Label => Directory ?? (_memory is null ? "embedded default model" : "in-memory model package");

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
        if (directory is null)
        {
            var names = typeof(PackageSource).Assembly.GetManifestResourceNames();
            string[] missing = [.. new[] { Onnx.VaeOnnx.EncoderFile, Onnx.VaeOnnx.DecoderFile, Onnx.VaeOnnx.CardFile }.Where(f => !names.Contains(ResourcePrefix + f))];
            if (missing.Length > 0)
                throw new InvalidDataException(
                    $"No default model is embedded in {typeof(PackageSource).Assembly.GetName().Name} (missing: {string.Join(", ", missing)}; " +
                    "models/default/ did not exist when it was built). Give a model package folder instead (e.g. models/NAME).");
            return new PackageSource(null);
        }
        if (!System.IO.Directory.Exists(directory))
            throw new InvalidDataException($"{directory}: model package folder not found.", new DirectoryNotFoundException(directory));
        return new PackageSource(Path.GetFullPath(directory));
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
            using var stream = typeof(PackageSource).Assembly.GetManifestResourceStream(ResourcePrefix + file)
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

    public ModelCard ReadCard()
    {
        string file = Onnx.VaeOnnx.CardFile;
        var card = ModelCard.FromJson(System.Text.Encoding.UTF8.GetString(ReadBytes(file)), Describe(file));
        return card;
    }
}
