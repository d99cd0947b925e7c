namespace OciMsBuild.Core.Oci
{
    /// <summary>OCI and Docker v2 schema 2 media types. An image uses one family, never a mix.</summary>
    public static class MediaTypes
    {
        public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
        public const string OciIndex = "application/vnd.oci.image.index.v1+json";
        public const string OciConfig = "application/vnd.oci.image.config.v1+json";
        public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
        public const string OciLayerTar = "application/vnd.oci.image.layer.v1.tar";
        public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
        /// <summary>OCI 1.1: the config of an artifact manifest that has none (the two bytes "{}").</summary>
        public const string OciEmpty = "application/vnd.oci.empty.v1+json";

        public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
        public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
        public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
        public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
        public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

        public static bool IsIndex(string? mediaType) => mediaType == OciIndex || mediaType == DockerManifestList;
        public static bool IsManifest(string? mediaType) => mediaType == OciManifest || mediaType == DockerManifest;
        public static bool IsGzipLayer(string? mediaType) => mediaType == OciLayerGzip || mediaType == DockerLayerGzip || mediaType == DockerForeignLayerGzip;
    }

    /// <summary>Which family of media types an image is written with (ContainerImageFormat).</summary>
    public enum ImageFormat
    {
        Oci,
        Docker,
    }

    public static class ImageFormatExtensions
    {
        public static string ManifestType(this ImageFormat f) => f == ImageFormat.Docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
        public static string IndexType(this ImageFormat f) => f == ImageFormat.Docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
        public static string ConfigType(this ImageFormat f) => f == ImageFormat.Docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        public static string GzipLayerType(this ImageFormat f) => f == ImageFormat.Docker ? MediaTypes.DockerLayerGzip : MediaTypes.OciLayerGzip;

        /// <summary>Maps a base layer's type into this family so the manifest never mixes the two.</summary>
        public static string ConvertLayerType(this ImageFormat f, string mediaType)
        {
            if (f == ImageFormat.Docker)
            {
                if (mediaType == MediaTypes.OciLayerGzip) return MediaTypes.DockerLayerGzip;
                return mediaType;
            }
            if (mediaType == MediaTypes.DockerLayerGzip) return MediaTypes.OciLayerGzip;
            return mediaType;
        }
    }
}
