using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Docker's config.json or podman's auth.json: "auths", "credHelpers" and "credsStore". Structure is
    /// checked on load; an entry's "auth" is only decoded when it is used. Error messages name the file and
    /// the property, never a value from the file.
    /// </summary>
    internal sealed class AuthFile
    {
        private AuthFile(string path, List<KeyValuePair<string, JObject>> auths, List<KeyValuePair<string, string>> credHelpers, string? credsStore)
        {
            Path = path;
            Auths = auths;
            CredHelpers = credHelpers;
            CredsStore = credsStore;
        }

        public string Path { get; }

        /// <summary>"auths" entries in file order.</summary>
        public List<KeyValuePair<string, JObject>> Auths { get; }

        /// <summary>"credHelpers" entries in file order (empty helper names dropped).</summary>
        public List<KeyValuePair<string, string>> CredHelpers { get; }

        public string? CredsStore { get; }

        /// <summary>Null when the file does not exist; an empty (or whitespace-only) file has no entries.</summary>
        public static AuthFile? Load(string path)
        {
            if (Directory.Exists(path))
                throw Broken(path, "it is a directory, not a JSON file");
            if (!File.Exists(path)) return null;

            string text;
            try
            {
                text = File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OciException(ErrorCodes.CredentialSourceFailed,
                    $"Credential file {path} cannot be read ({e.GetType().Name}). Check its permissions, or point DOCKER_CONFIG / REGISTRY_AUTH_FILE elsewhere.", e);
            }

            var auths = new List<KeyValuePair<string, JObject>>();
            var helpers = new List<KeyValuePair<string, string>>();
            if (text.Trim().Length == 0) return new AuthFile(path, auths, helpers, null);

            JToken root;
            try
            {
                using var reader = new JsonTextReader(new StringReader(text)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Decimal };
                root = JToken.ReadFrom(reader);
                if (reader.Read() && reader.TokenType != JsonToken.Comment)
                    throw Broken(path, "more than one JSON value (content after the closing '}')");
            }
            catch (JsonReaderException e)
            {
                // The reader's own message can quote file content: only the position goes out.
                throw Broken(path, $"not valid JSON (line {e.LineNumber}, position {e.LinePosition})");
            }

            if (!(root is JObject obj))
                throw Broken(path, $"the top level must be a JSON object, not {Describe(root)}");

            var authsToken = obj["auths"];
            if (authsToken != null && authsToken.Type != JTokenType.Null)
            {
                if (!(authsToken is JObject authsObj))
                    throw Broken(path, $"\"auths\" must be an object mapping registries to entries, not {Describe(authsToken)}");
                foreach (var property in authsObj.Properties())
                {
                    if (property.Value.Type == JTokenType.Null) continue;
                    if (!(property.Value is JObject entry))
                        throw Broken(path, $"auths \"{property.Name}\" must be an object, not {Describe(property.Value)}");
                    foreach (var field in new[] { "auth", "username", "password", "identitytoken" })
                    {
                        var value = entry[field];
                        if (value != null && value.Type != JTokenType.Null && value.Type != JTokenType.String)
                            throw Broken(path, $"auths \"{property.Name}\".{field} must be a string, not {Describe(value)}");
                    }
                    auths.Add(new KeyValuePair<string, JObject>(property.Name, entry));
                }
            }

            var helpersToken = obj["credHelpers"];
            if (helpersToken != null && helpersToken.Type != JTokenType.Null)
            {
                if (!(helpersToken is JObject helpersObj))
                    throw Broken(path, $"\"credHelpers\" must be an object mapping registries to helper names, not {Describe(helpersToken)}");
                foreach (var property in helpersObj.Properties())
                {
                    if (property.Value == null || property.Value.Type == JTokenType.Null) continue;
                    if (property.Value.Type != JTokenType.String)
                        throw Broken(path, $"credHelpers \"{property.Name}\" must be a helper name string, not {Describe(property.Value)}");
                    var name = ((string?)property.Value ?? "").Trim();
                    if (name.Length == 0) continue;
                    CheckHelperName(path, "credHelpers \"" + property.Name + "\"", name);
                    helpers.Add(new KeyValuePair<string, string>(property.Name, name));
                }
            }

            string? store = null;
            var storeToken = obj["credsStore"];
            if (storeToken != null && storeToken.Type != JTokenType.Null)
            {
                if (storeToken.Type != JTokenType.String)
                    throw Broken(path, $"\"credsStore\" must be a helper name string, not {Describe(storeToken)}");
                var name = ((string?)storeToken ?? "").Trim();
                if (name.Length > 0)
                {
                    CheckHelperName(path, "credsStore", name);
                    store = name;
                }
            }

            return new AuthFile(path, auths, helpers, store);
        }

        /// <summary>
        /// Reads one "auths" entry: "auth" (base64 user:password) or "username"/"password", and "identitytoken".
        /// Null when the entry holds nothing usable (e.g. the "{}" Docker Desktop writes next to a credsStore).
        /// </summary>
        public RegistryCredential? ReadEntry(string key, JObject entry, string source)
        {
            string? username = null, password = null;
            var auth = ((string?)entry["auth"])?.Trim();
            if (!string.IsNullOrEmpty(auth))
            {
                string decoded;
                try
                {
                    decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth!));
                }
                catch (FormatException)
                {
                    throw Broken(Path, $"auths \"{key}\".auth is not valid base64 (it must be base64 of \"user:password\")");
                }
                int colon = decoded.IndexOf(':');
                if (colon < 0)
                    throw Broken(Path, $"auths \"{key}\".auth does not decode to \"user:password\" (no ':')");
                username = decoded.Substring(0, colon);
                password = decoded.Substring(colon + 1);
            }
            if (string.IsNullOrEmpty(username)) username = (string?)entry["username"];
            if (string.IsNullOrEmpty(password)) password = (string?)entry["password"];
            var identityToken = (string?)entry["identitytoken"];

            bool hasBasic = !string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password);
            if (!hasBasic && string.IsNullOrEmpty(identityToken)) return null;
            return new RegistryCredential(username, hasBasic ? password : null, identityToken, source);
        }

        private static void CheckHelperName(string path, string where, string name)
        {
            foreach (var c in name)
            {
                if (!(char.IsLetterOrDigit(c) || c == '-' || c == '_' || c == '.') || c > 127)
                    throw Broken(path, $"{where} must be a helper name such as \"pass\" or \"desktop\" (letters, digits, '-', '_', '.'), not a path");
            }
        }

        private static OciException Broken(string path, string what) =>
            new OciException(ErrorCodes.CredentialSourceFailed,
                $"Credential file {path}: {what}. Fix it, or log in again (docker login / podman login) to rewrite it.");

        private static string Describe(JToken token) => token.Type switch
        {
            JTokenType.Object => "an object",
            JTokenType.Array => "an array",
            JTokenType.String => "a string",
            JTokenType.Integer => "a number",
            JTokenType.Float => "a number",
            JTokenType.Boolean => "a boolean",
            _ => token.Type.ToString().ToLowerInvariant(),
        };
    }
}
