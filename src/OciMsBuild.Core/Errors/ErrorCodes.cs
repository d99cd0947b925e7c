namespace OciMsBuild.Core.Errors
{
    /// <summary>
    /// Every error code the product emits. The README's error table lists the same codes:
    /// keep them in step.
    /// </summary>
    public static class ErrorCodes
    {
        // OCI1xxx: input (properties and items)
        public const string InvalidReference = "OCI1001";
        public const string InvalidTag = "OCI1002";
        public const string UnknownBaseTransport = "OCI1003";
        public const string BaseNotFound = "OCI1004";
        public const string BaseTagNotFound = "OCI1005";
        public const string BasePlatformMissing = "OCI1006";
        public const string InvalidLabel = "OCI1007";
        public const string InvalidPort = "OCI1008";
        public const string InvalidEnvironmentVariable = "OCI1009";
        public const string InvalidUser = "OCI1010";
        public const string InvalidWorkingDirectory = "OCI1011";
        public const string NonLinuxRuntimeIdentifier = "OCI1012";
        public const string InvalidImageFormat = "OCI1013";
        public const string InvalidRepository = "OCI1014";
        public const string InvalidBaseImage = "OCI1015";
        public const string InvalidAppCommand = "OCI1016";
        public const string InvalidSourceDateEpoch = "OCI1017";
        public const string InvalidArchivePath = "OCI1018";
        public const string InvalidLayerSetting = "OCI1019";

        // OCI2xxx: registry and network
        public const string RegistryBaseUnavailable = "OCI2001";

        // OCI3xxx: files and cache
        public const string BlobCorrupt = "OCI3001";
        public const string PublishOutputMissing = "OCI3002";
        public const string WriteFailed = "OCI3003";
        public const string InvalidBaseContent = "OCI3004";
    }
}
