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
        public const string InvalidRegistry = "OCI1020";
        public const string InvalidRegistrySetting = "OCI1021";
        /// <summary>Two ContainerRuntimeIdentifiers map to one platform (linux-x64 and linux-musl-x64).</summary>
        public const string DuplicatePlatform = "OCI1022";
        /// <summary>ContainerArchivePlatform is malformed or names a platform the image does not have.</summary>
        public const string InvalidArchivePlatform = "OCI1023";
        /// <summary>An output path names a file or folder OciMsBuild did not write (or a folder where a file belongs, or the reverse): it is never replaced.</summary>
        public const string OutputPathNotOurs = "OCI1024";
        /// <summary>An output path is, contains or lies inside something the build reads (base image, publish folder, project, blob store), or another output.</summary>
        public const string OutputOverlapsInput = "OCI1025";
        /// <summary>
        /// Warning: an assembly from a ProjectReference was compiled with this machine's folder in it
        /// (its pdb path), so the image digest depends on where the sources are.
        /// </summary>
        public const string LocalPathInReference = "OCI1026";
        /// <summary>ContainerLocked=true and the base-image lock is missing, or lacks the base or one of the platforms built.</summary>
        public const string BaseNotLocked = "OCI1027";
        /// <summary>The base-image lock file is not valid JSON, has another version, or holds a malformed digest.</summary>
        public const string InvalidBaseLock = "OCI1028";
        /// <summary>ContainerLayerCompression is not gzip or zstd, or zstd was asked for a Docker-format image (which has no zstd layer type).</summary>
        public const string InvalidLayerCompression = "OCI1030";
        /// <summary>A container engine choice is not auto, docker or podman (the message names the property).</summary>
        public const string InvalidEngine = "OCI1031";
        /// <summary>A ContainerStructureTest file cannot be read, is not valid YAML, or holds a field, value or regex OciMsBuild would not run as written.</summary>
        public const string InvalidStructureTest = "OCI1032";
        /// <summary>A ContainerRunCommand item is invalid: an empty command, an input file that does not exist or two with one name, or a ContainerRunNetwork that is not true/false.</summary>
        public const string InvalidRunCommand = "OCI1033";

        // OCI2xxx: registry and network
        /// <summary>The registry cannot be reached: unknown host, connection refused, network down.</summary>
        public const string RegistryUnreachable = "OCI2001";
        /// <summary>TLS handshake or certificate check failed.</summary>
        public const string RegistryTlsFailed = "OCI2002";
        /// <summary>401: no or wrong credentials (the message names the sources tried).</summary>
        public const string RegistryUnauthorized = "OCI2003";
        /// <summary>403 / DENIED: the credentials lack the right.</summary>
        public const string RegistryDenied = "OCI2004";
        /// <summary>Repository, tag, manifest or blob not found.</summary>
        public const string RegistryNotFound = "OCI2005";
        /// <summary>Any other error answer, with the registry's own code and message.</summary>
        public const string RegistryError = "OCI2006";
        /// <summary>Retries exhausted on 5xx, 429 or dropped connections.</summary>
        public const string RegistryUnavailable = "OCI2007";
        /// <summary>A tag-based base could not be resolved and the pull policy forbids the cached answer.</summary>
        public const string BaseTagUnresolved = "OCI2008";
        /// <summary>Content from the registry did not match its digest.</summary>
        public const string RegistryDigestMismatch = "OCI2009";
        /// <summary>A request timed out (after retries).</summary>
        public const string RegistryTimeout = "OCI2010";
        /// <summary>A credential source is broken: unreadable config.json, a failing credential helper.</summary>
        public const string CredentialSourceFailed = "OCI2011";
        /// <summary>
        /// Warning: a registry password sits in an environment variable MSBuild records in this build's
        /// binlog / diagnostic output (DOTNET_CONTAINER_*_PWORD; any *_PWORD with MSBUILDLOGALLENVIRONMENTVARIABLES).
        /// </summary>
        public const string PasswordInLoggedVariable = "OCI2020";
        /// <summary>A *_PWORD_FILE variable names no file, a folder, or an empty, multi-line, oversized or unreadable file.</summary>
        public const string PasswordFileUnusable = "OCI2021";
        /// <summary>Both *_PWORD and *_PWORD_FILE are set for one prefix.</summary>
        public const string ConflictingPasswordVariables = "OCI2022";

        // OCI3xxx: files and cache
        public const string BlobCorrupt = "OCI3001";
        public const string PublishOutputMissing = "OCI3002";
        public const string WriteFailed = "OCI3003";
        public const string InvalidBaseContent = "OCI3004";
        /// <summary>A file system failure no more specific code covers (disk full, permission denied, a path in the way); the message names the path.</summary>
        public const string FileSystemError = "OCI3005";
        /// <summary>The publish output holds a FIFO, a socket or a device (or a link to one): only files, folders and links go in an image.</summary>
        public const string PublishOutputSpecialFile = "OCI3010";
        /// <summary>A symbolic link in the publish output points outside the publish folder (it would copy a host file or dangle in the image).</summary>
        public const string PublishOutputLinkOutside = "OCI3011";
        /// <summary>A symbolic link in the publish output is dangling, part of a link loop, or points at a folder that contains it.</summary>
        public const string PublishOutputBrokenLink = "OCI3012";
        /// <summary>A file or folder of the publish output cannot be examined (permission denied, vanished while being listed).</summary>
        public const string PublishOutputUnreadable = "OCI3013";
        /// <summary>A publish file changed size or disappeared between planning and packing its layer.</summary>
        public const string PublishFileChanged = "OCI3014";
        /// <summary>ContainerBlobCachePath is not a usable directory: a file (or a file on its path), or it cannot be created, written or read (permissions, read-only file system).</summary>
        public const string BlobCacheUnusable = "OCI3015";
        /// <summary>The disk (or quota) under the blob store is full: nothing half-written was left in the store.</summary>
        public const string BlobCacheFull = "OCI3016";
        /// <summary>Any other I/O error while writing a blob into the blob store.</summary>
        public const string BlobCacheWriteFailed = "OCI3017";

        // OCI4xxx: container engines (docker, podman) and image tests
        /// <summary>No docker or podman CLI was found on PATH (the message names each CLI and the PATH searched).</summary>
        public const string EngineNotFound = "OCI4001";
        /// <summary>The docker/podman CLI is there but its engine does not answer (dead socket, daemon not running, broken configuration).</summary>
        public const string EngineNotAnswering = "OCI4002";
        /// <summary>An engine command (load, run, commit, export, rm) failed or timed out: the message has its command line, exit code and output tail.</summary>
        public const string EngineCommandFailed = "OCI4003";

        // OCI401x: image (structure) tests
        /// <summary>A structure test failed: one error per failed test, naming the YAML file, the platform and the test.</summary>
        public const string StructureTestFailed = "OCI4010";
        /// <summary>Warning: structure tests were skipped (ContainerStructureTestSkipCommands, or a platform the machine cannot run): never silently.</summary>
        public const string StructureTestSkipped = "OCI4011";

        // OCI402x: RUN layers (ContainerRunCommand)
        /// <summary>A ContainerRunCommand exited non-zero or timed out, or cannot run for the platform: the command, its exit code and the tail of its output.</summary>
        public const string RunCommandFailed = "OCI4020";
        /// <summary>Warning: the image gets a layer made by running commands in a container (ContainerRunCommand), which is not hermetic.</summary>
        public const string RunCommandNotHermetic = "OCI4021";
    }
}
