using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;
using OciMsBuild.Core.Compression;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Build
{
    /// <summary>Checks user input and says, with a code, what would be valid.</summary>
    public static class SettingsValidator
    {
        private static readonly Regex LabelKey = new Regex(@"^[A-Za-z0-9](?:[A-Za-z0-9._/-]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant);
        private static readonly Regex EnvName = new Regex(@"^[A-Za-z_][A-Za-z0-9_.-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex UserSpec = new Regex(@"^(?:[A-Za-z_][A-Za-z0-9_.-]*\$?|[0-9]+)(?::(?:[A-Za-z_][A-Za-z0-9_.-]*|[0-9]+))?$", RegexOptions.CultureInvariant);
        private static readonly Regex PortSpec = new Regex(@"^([0-9]{1,5})(?:/([A-Za-z]+))?$", RegexOptions.CultureInvariant);

        public static void LabelName(string key)
        {
            if (!LabelKey.IsMatch(key ?? ""))
                throw new OciException(ErrorCodes.InvalidLabel,
                    $"ContainerLabel '{key}' is not a valid label key: use letters, digits, '.', '-', '_' and '/', starting and ending with a letter or digit, e.g. 'org.opencontainers.image.source'.");
        }

        public static void EnvironmentName(string name)
        {
            if (!EnvName.IsMatch(name ?? ""))
                throw new OciException(ErrorCodes.InvalidEnvironmentVariable,
                    $"ContainerEnvironmentVariable '{name}' is not a valid variable name: start with a letter or '_', then letters, digits, '_', '.' or '-' (no '=' or spaces), e.g. 'ASPNETCORE_ENVIRONMENT'.");
        }

        public static string User(string user)
        {
            var u = (user ?? "").Trim();
            if (!UserSpec.IsMatch(u))
                throw new OciException(ErrorCodes.InvalidUser,
                    $"ContainerUser '{user}' is not valid: use a user name or numeric uid, optionally ':group' or ':gid', e.g. 'app', '1654' or '1654:1654'.");
            return u;
        }

        /// <summary>
        /// The one spelling of the working directory that the config's WorkingDir and the layer
        /// entries both use: repeated '/' collapsed, no trailing '/' ('//app/' is '/app'; '/' stays).
        /// </summary>
        public static string WorkingDirectory(string? dir)
        {
            var d = string.IsNullOrWhiteSpace(dir) ? "/app" : dir!.Trim();
            var parts = d.Split('/');
            bool bad = !d.StartsWith("/", StringComparison.Ordinal) || d.IndexOf('\\') >= 0 || d.IndexOf('\0') >= 0
                       || Array.Exists(parts, part => part == ".." || part == ".");
            if (bad)
                throw new OciException(ErrorCodes.InvalidWorkingDirectory,
                    $"ContainerWorkingDirectory '{dir}' must be an absolute Linux path without '.' or '..' segments, e.g. '/app'.");
            return "/" + string.Join("/", Array.FindAll(parts, part => part.Length > 0));
        }

        /// <summary>Parses '80', '80/tcp', '53/udp' (type from the separate Type metadata when given).</summary>
        public static ContainerPort Port(string spec, string? type)
        {
            var m = PortSpec.Match((spec ?? "").Trim());
            var t = (string.IsNullOrWhiteSpace(type) ? (m.Success && m.Groups[2].Success ? m.Groups[2].Value : "tcp") : type!.Trim()).ToLowerInvariant();
            if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 65535
                || (t != "tcp" && t != "udp" && t != "sctp"))
                throw new OciException(ErrorCodes.InvalidPort,
                    $"ContainerPort '{spec}'{(string.IsNullOrWhiteSpace(type) ? "" : " Type='" + type + "'")} is not valid: use a number from 1 to 65535 with an optional protocol tcp, udp or sctp, e.g. '8080', '8080/tcp', '53/udp'.");
            return new ContainerPort { Number = n, Type = t };
        }

        public static void Repository(string repository)
        {
            if (!References.ImageReference.IsValidRepository(repository ?? ""))
                throw new OciException(ErrorCodes.InvalidRepository,
                    $"ContainerRepository '{repository}' is not a valid repository name: lowercase letters, digits and separators ('.', '_', '__', '-', '/'), e.g. 'myapp' or 'team/myapp'.");
        }

        public static IReadOnlyList<string> Tags(IEnumerable<string> tags)
        {
            var list = new List<string>();
            foreach (var raw in tags)
            {
                var tag = raw.Trim();
                if (tag.Length == 0) continue;
                if (!References.ImageReference.IsValidTag(tag))
                    throw new OciException(ErrorCodes.InvalidTag,
                        $"ContainerImageTags entry '{tag}' is not a valid tag: 1-128 characters of letters, digits, '_', '.' and '-', not starting with '.' or '-', e.g. '1.2.3' or 'latest'.");
                if (!list.Contains(tag)) list.Add(tag);
            }
            if (list.Count == 0) list.Add("latest");
            return list;
        }

        /// <summary>ContainerLayerCompression: gzip or zstd; zstd only in the OCI format, which alone has a zstd layer type.</summary>
        public static string LayerCompressionFor(string? value, Oci.ImageFormat format)
        {
            var compression = LayerCompression.Parse(value);
            if (compression == LayerCompression.Zstd && format == Oci.ImageFormat.Docker)
                throw new OciException(ErrorCodes.InvalidLayerCompression,
                    "ContainerLayerCompression 'zstd' cannot be used with ContainerImageFormat 'Docker': the Docker image format has no zstd layer type. Use ContainerImageFormat 'OCI' (the default) or ContainerLayerCompression 'gzip'.");
            return compression;
        }

        public static Oci.ImageFormat ImageFormat(string? value)
        {
            var v = (value ?? "").Trim();
            if (v.Length == 0 || v.Equals("OCI", StringComparison.OrdinalIgnoreCase)) return Oci.ImageFormat.Oci;
            if (v.Equals("Docker", StringComparison.OrdinalIgnoreCase)) return Oci.ImageFormat.Docker;
            throw new OciException(ErrorCodes.InvalidImageFormat, $"ContainerImageFormat '{value}' is not valid: use 'OCI' (the default) or 'Docker'.");
        }
    

        /// <summary>uid or gid written into layer tar headers: 0 to 2097151 (the octal header field's range).</summary>
        public static int LayerOwnerId(string property, string? value)
        {
            var v = (value ?? "").Trim();
            if (v.Length == 0) return 0;
            if (!int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id > 2097151)
                throw new OciException(ErrorCodes.InvalidLayerSetting,
                    $"{property} '{value}' is not valid: use a whole number from 0 to 2097151 (default 0), e.g. '0' or '1654'.");
            return id;
        }

        /// <summary>gzip: 0 (store) to 9, default 6. zstd: 1 to 19, default 3 (20-22 need far more memory).</summary>
        public static int CompressionLevel(string? value, string compression = LayerCompression.Gzip)
        {
            var v = (value ?? "").Trim();
            var zstd = compression == LayerCompression.Zstd;
            if (v.Length == 0) return zstd ? LayerCompression.DefaultZstdLevel : LayerCompression.DefaultGzipLevel;
            var valid = int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var level)
                        && (zstd ? level >= 1 && level <= 19 : level <= 9);
            if (!valid)
                throw new OciException(ErrorCodes.InvalidLayerSetting, zstd
                    ? $"ContainerLayerCompressionLevel '{value}' is not valid with ContainerLayerCompression=zstd: use a zstd level from 1 (fastest) to 19 (smallest), e.g. '3' (the default) or '9'."
                    : $"ContainerLayerCompressionLevel '{value}' is not valid: use a gzip level from 0 (store) to 9 (smallest), e.g. '6' (the default) or '9'.");
            return level;
        }
    }
}
