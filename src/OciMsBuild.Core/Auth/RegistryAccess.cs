namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// What a credential is wanted for. It selects the environment variables the .NET SDK honours:
    /// DOTNET_CONTAINER_PUSH_REGISTRY_* for the push target, DOTNET_CONTAINER_PULL_REGISTRY_* for the base image's registry.
    /// </summary>
    public enum RegistryAccess
    {
        Pull,
        Push,
    }
}
