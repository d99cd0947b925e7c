using System.IO;
using OciMsBuild.Core.Cache;
using OciMsBuild.Core.Errors;
using OciMsBuild.Core.Oci;

namespace OciMsBuild.Core.Sources
{
    /// <summary>Resolves ContainerBaseImage for one platform from whichever transport it names.</summary>
    public static class BaseImageResolver
    {
        /// <param name="pinnedDigest">For a registry base: the digest <see cref="Registry.RegistryBaseReader.PinAsync"/> resolved (the build itself never goes to the network).</param>
        public static BaseImage Resolve(BaseImageLocation location, Platform platform, BlobStore store, string tempRoot, string? pinnedDigest = null)
        {
            switch (location.Transport)
            {
                case BaseTransport.Scratch:
                    return BaseImage.Scratch(platform);
                case BaseTransport.OciLayout:
                    if (File.Exists(location.Path))
                        throw new OciException(ErrorCodes.InvalidBaseImage,
                            $"ContainerBaseImage '{location.Text}': '{location.Path}' is a file, not a directory. For an OCI archive (tar) use oci-archive://{location.Path}[:TAG]; for a 'docker save' tarball docker-archive://{location.Path}.");
                    if (!Directory.Exists(location.Path))
                        throw new OciException(ErrorCodes.BaseNotFound, $"ContainerBaseImage '{location.Text}': the directory '{location.Path}' does not exist.");
                    return new LayoutImageReader(location.Path!, location.Text, store).Read(location.Tag, location.Digest, platform);
                case BaseTransport.OciArchive:
                {
                    var dir = ArchiveExtractor.ExtractToTemp(location.Path!, tempRoot, location.Text);
                    try { return new LayoutImageReader(dir, location.Text, store, location.Path).Read(location.Tag, location.Digest, platform); }
                    finally { ArchiveExtractor.TryDelete(dir); }
                }
                case BaseTransport.DockerArchive:
                {
                    var dir = ArchiveExtractor.ExtractToTemp(location.Path!, tempRoot, location.Text);
                    try { return new DockerArchiveReader(dir, location.Text, store).Read(location.Tag, platform); }
                    finally { ArchiveExtractor.TryDelete(dir); }
                }
                default:
                    if (string.IsNullOrEmpty(pinnedDigest))
                        throw new OciException(ErrorCodes.RegistryUnreachable,
                            $"ContainerBaseImage '{location.Text}' is in a registry and was not resolved before the build step. For offline builds set ContainerBaseImage to oci-layout://DIR[:TAG], oci-archive://FILE, docker-archive://FILE or scratch.");
                    return new Registry.RegistryBaseReader(store).ReadFromStore(location.Reference!, pinnedDigest!, platform, location.Text);
            }
        }
    }
}
