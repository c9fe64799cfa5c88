using System.Text;
using RealtimeDenoise.Engine.Tests.Audio;
using RealtimeDenoise.IO;

namespace RealtimeDenoise.Engine.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void WriteAllText_CreatesAndThenReplacesTheFile_LeavingNoTempFile()
    {
        using var dir = new TempFolder();
        string path = dir.File("report.json");
        AtomicFile.WriteAllText(path, "first é");
        Assert.Equal("first é"u8.ToArray(), File.ReadAllBytes(path)); // UTF-8, no byte-order mark
        AtomicFile.WriteAllText(path, "second");
        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AFailureWhileWriting_KeepsTheOldFile_AndRemovesTheTempFile()
    {
        using var dir = new TempFolder();
        string path = dir.File("checkpoint.bin");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(Encoding.ASCII.GetBytes("half of the new"));
            throw new IOException("No space left on device");
        }));
        Assert.Equal("No space left on device", e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void AMissingFolder_FailsWithoutCreatingAnything()
    {
        using var dir = new TempFolder();
        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllBytes(Path.Combine(dir.Path, "absent", "x.bin"), [1, 2, 3]));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }
}
