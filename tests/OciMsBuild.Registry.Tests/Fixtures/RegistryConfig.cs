using System.Text;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// Writes the config.yml of a docker-registry (distribution 2.8) instance. Only the sections the
    /// fixtures use; values are single-quoted YAML scalars so temp paths with odd characters still parse.
    /// </summary>
    public sealed class RegistryConfig
    {
        public int Port { get; set; }
        public string StorageDirectory { get; set; } = "";
        public string? HtpasswdPath { get; set; }
        public TokenAuthSettings? Token { get; set; }
        public string? TlsCertificatePath { get; set; }
        public string? TlsKeyPath { get; set; }

        public sealed record TokenAuthSettings(string Realm, string Service, string Issuer, string RootCertBundle);

        public string ToYaml()
        {
            var y = new StringBuilder();
            y.AppendLine("version: 0.1");
            // debug logs every request with its route, which makes a failing test's log useful.
            y.AppendLine("log:");
            y.AppendLine("  level: debug");
            y.AppendLine("  formatter: text");
            y.AppendLine("  accesslog: {disabled: false}");
            y.AppendLine("storage:");
            y.AppendLine($"  filesystem: {{rootdirectory: {Q(StorageDirectory)}}}");
            y.AppendLine("  delete: {enabled: true}");
            // No background upload purging: a test may look at half-finished uploads in the storage dir.
            y.AppendLine("  maintenance: {uploadpurging: {enabled: false}}");
            y.AppendLine("http:");
            y.AppendLine($"  addr: {Q("127.0.0.1:" + Port)}");
            // The secret signs the upload _state parameter; a fixed per-port value is enough for tests.
            y.AppendLine($"  secret: {Q("ocimsbuild-test-" + Port)}");
            if (TlsCertificatePath != null)
                y.AppendLine($"  tls: {{certificate: {Q(TlsCertificatePath)}, key: {Q(TlsKeyPath!)}}}");
            if (HtpasswdPath != null)
            {
                y.AppendLine("auth:");
                y.AppendLine($"  htpasswd: {{realm: {Q("ocimsbuild-test-basic")}, path: {Q(HtpasswdPath)}}}");
            }
            else if (Token != null)
            {
                y.AppendLine("auth:");
                y.AppendLine("  token:");
                y.AppendLine($"    realm: {Q(Token.Realm)}");
                y.AppendLine($"    service: {Q(Token.Service)}");
                y.AppendLine($"    issuer: {Q(Token.Issuer)}");
                y.AppendLine($"    rootcertbundle: {Q(Token.RootCertBundle)}");
            }
            return y.ToString();
        }

        private static string Q(string value) => "'" + value.Replace("'", "''") + "'";
    }
}
