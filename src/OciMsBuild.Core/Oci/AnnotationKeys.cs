namespace OciMsBuild.Core.Oci
{
    public static class AnnotationKeys
    {
        public const string RefName = "org.opencontainers.image.ref.name";
        public const string Created = "org.opencontainers.image.created";
        public const string BaseName = "org.opencontainers.image.base.name";
        public const string BaseDigest = "org.opencontainers.image.base.digest";
    }
}
