using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;
using OciMsBuild.Core.Auth;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Registry
{
    /// <summary>A 5xx, 429 or 408 answer: worth retrying, after Retry-After when the registry gave one.</summary>
    public sealed class TransientResponseException : Exception
    {
        public TransientResponseException(int status, TimeSpan? retryAfter, string body)
            : base($"HTTP {status}{(body.Length == 0 ? "" : ": " + body)}")
        {
            Status = status;
            RetryAfter = retryAfter;
        }

        public int Status { get; }
        public TimeSpan? RetryAfter { get; }
    }

    /// <summary>Which failures are retried, and the coded error each ends as.</summary>
    public static class RegistryFailures
    {
        public static bool IsTransientStatus(HttpStatusCode status) =>
            (int)status >= 500 || (int)status == 429 || status == HttpStatusCode.RequestTimeout;

        /// <summary>Connection drops, resets, timeouts and transient answers; not DNS or TLS failures (retrying cannot fix those).</summary>
        public static bool IsTransient(Exception e, CancellationToken ct)
        {
            if (ct.IsCancellationRequested) return false;
            if (e is TransientResponseException) return true;
            if (e is OciException) return false;
            if (IsUnknownHost(e) || IsTlsFailure(e)) return false;
            return e is HttpRequestException || e is IOException || e is OperationCanceledException || e is TimeoutException || e is SocketException;
        }

        public static bool IsUnknownHost(Exception e) =>
            Find<SocketException>(e) is SocketException s && (s.SocketErrorCode == SocketError.HostNotFound || s.SocketErrorCode == SocketError.NoData || s.SocketErrorCode == SocketError.TryAgain)
            || (e.Message ?? "").IndexOf("Name or service not known", StringComparison.OrdinalIgnoreCase) >= 0
            || (e.Message ?? "").IndexOf("No such host", StringComparison.OrdinalIgnoreCase) >= 0;

        public static bool IsConnectionRefused(Exception e) =>
            Find<SocketException>(e) is SocketException s && s.SocketErrorCode == SocketError.ConnectionRefused
            || (e.Message ?? "").IndexOf("Connection refused", StringComparison.OrdinalIgnoreCase) >= 0;

        public static bool IsTlsFailure(Exception e) =>
            Find<AuthenticationException>(e) != null
            || (e.Message ?? "").IndexOf("SSL connection could not be established", StringComparison.OrdinalIgnoreCase) >= 0;

        private static T? Find<T>(Exception? e) where T : Exception
        {
            for (; e != null; e = e.InnerException)
                if (e is T t) return t;
            return null;
        }

        /// <summary>The chain of messages, innermost last ('Connection refused (127.0.0.1:1)').</summary>
        public static string Describe(Exception e)
        {
            var text = e.Message;
            for (var inner = e.InnerException; inner != null; inner = inner.InnerException)
                if (!text.Contains(inner.Message)) text += " → " + inner.Message;
            return text;
        }

        /// <summary>
        /// What to check when a registry cannot be reached. A push goes to ContainerRegistry: a
        /// local base image would not help there. A pull is for the base: offline, a local base does.
        /// </summary>
        internal static string UnreachableAdvice(RegistryEndpoint endpoint, RegistryAccess access) =>
            access == RegistryAccess.Push
                ? $"Check ContainerRegistry ({endpoint.Registry}): is a registry running there, and are the host and port right? A registry without TLS on another machine must be listed in ContainerInsecureRegistries; also check the network and any proxy (HTTPS_PROXY, NO_PROXY)."
                : "Check the name in ContainerBaseImage and the network; for offline builds use a local base (ContainerBaseImage=oci-layout://DIR[:TAG], oci-archive://FILE, docker-archive://FILE or scratch).";

        /// <summary>Turns what is left after retries into the coded error the user sees.</summary>
        public static OciException ToError(Exception e, string what, RegistryEndpoint endpoint, RegistryAccess access, int retries, CancellationToken ct)
        {
            if (e is OciException coded) return coded;
            if (e is OperationCanceledException && ct.IsCancellationRequested)
                return new OciException(ErrorCodes.RegistryUnavailable, $"Cancelled while {what}.", e);
            var afterRetries = retries > 0 ? $" (after {retries} retries)" : "";
            var forPush = access == RegistryAccess.Push ? " to push" : "";
            if (IsUnknownHost(e))
                return new OciException(ErrorCodes.RegistryUnreachable,
                    $"Could not reach registry {endpoint.Registry}{forPush} while {what}: the host name '{RegistryEndpoint.HostOnly(endpoint.ApiHost)}' is unknown (no DNS answer). {UnreachableAdvice(endpoint, access)}", e);
            if (IsTlsFailure(e))
                return new OciException(ErrorCodes.RegistryTlsFailed,
                    $"TLS with registry {endpoint.Registry} failed while {what}: {Describe(e)}. If the registry uses a private CA, point SSL_CERT_FILE or SSL_CERT_DIR at its certificate; if it has no valid certificate at all, list it in ContainerInsecureRegistries (or DOTNET_CONTAINER_INSECURE_REGISTRIES) to skip verification and allow plain HTTP.", e);
            if (e is TransientResponseException t)
                return new OciException(ErrorCodes.RegistryUnavailable,
                    $"Registry {endpoint.Registry} kept failing while {what}{afterRetries}: {t.Message}", e);
            if (e is OperationCanceledException || e is TimeoutException)
                return new OciException(ErrorCodes.RegistryTimeout,
                    $"Registry {endpoint.Registry} did not answer in time while {what}{afterRetries}. Raise ContainerRegistryTimeout (seconds) for slow links.", e);
            if (IsConnectionRefused(e))
                return new OciException(ErrorCodes.RegistryUnreachable,
                    $"Could not reach registry {endpoint.Registry}{forPush} while {what}{afterRetries}: the connection was refused. {UnreachableAdvice(endpoint, access)}", e);
            if (e is HttpRequestException || e is IOException || e is SocketException)
                return new OciException(ErrorCodes.RegistryUnavailable,
                    $"The connection to registry {endpoint.Registry} failed while {what}{afterRetries}: {Describe(e)}", e);
            return new OciException(ErrorCodes.RegistryError, $"Unexpected failure talking to registry {endpoint.Registry} while {what}: {Describe(e)}", e);
        }

        /// <summary>A final non-success answer as a coded error, with the registry's own code and message.</summary>
        public static OciException FromResponse(HttpStatusCode status, string body, string what, RegistryEndpoint endpoint, RegistryAuthenticator auth)
        {
            var detail = RegistryErrorBody.Describe(body);
            var said = detail.Length == 0 ? "" : " The registry said: " + detail + ".";
            switch ((int)status)
            {
                case 401:
                    return new OciException(ErrorCodes.RegistryUnauthorized,
                        $"Registry {endpoint.Registry} refused the request (401 Unauthorized) while {what}.{said} Credential: {auth.DescribeCredentialSources()}. {Auth.CredentialAdvice.ForUnauthorized(endpoint.Registry, auth.Access)}");
                case 403:
                    return new OciException(ErrorCodes.RegistryDenied,
                        $"Registry {endpoint.Registry} denied the request (403 Forbidden) while {what}.{said} Credential: {auth.DescribeCredentialSources()}. The account lacks {(auth.Access == Auth.RegistryAccess.Push ? "push" : "pull")} rights on this repository.");
                case 404:
                    // NAME_UNKNOWN is sure the repository is missing; MANIFEST_UNKNOWN is not sure it exists
                    // (the distribution registry says it for a manifest of an unknown repository too).
                    var hint = RegistryErrorBody.Has(body, RegistryErrorBody.NameUnknown) ? "The repository does not exist: check its name."
                             : "Check the repository name and tag.";
                    return new OciException(ErrorCodes.RegistryNotFound,
                        $"Not found in registry {endpoint.Registry} while {what}.{said} {hint}");
                default:
                    if (IsTransientStatus(status))
                        return new OciException(ErrorCodes.RegistryUnavailable, $"Registry {endpoint.Registry} failed while {what}: HTTP {(int)status}.{said}");
                    return new OciException(ErrorCodes.RegistryError, $"Registry {endpoint.Registry} answered HTTP {(int)status} while {what}.{said}");
            }
        }
    }
}
