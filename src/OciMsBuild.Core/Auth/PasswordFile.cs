using System;
using System.IO;
using System.Text;
using OciMsBuild.Core.Errors;

namespace OciMsBuild.Core.Auth
{
    /// <summary>
    /// Reads the password named by a <c>*_PWORD_FILE</c> variable: the whole file, one trailing line
    /// break dropped (as <c>docker login --password-stdin</c> does, so <c>echo "$PW" &gt; file</c> works).
    /// Messages never contain the file's content, and never the variable's value unless it names an
    /// existing file: a user who put the password itself into the variable must not see it echoed
    /// into a console log.
    /// </summary>
    internal static class PasswordFile
    {
        /// <summary>Large enough for any registry token (JWTs run to a few KB); a bigger file is the wrong file.</summary>
        public const int MaxBytes = 64 * 1024;

        internal readonly struct Content
        {
            public Content(string path, string password)
            {
                Path = path;
                Password = password;
            }

            /// <summary>The full path (no secret).</summary>
            public string Path { get; }

            public string Password { get; }
        }

        /// <param name="variable">The variable's name, for messages.</param>
        /// <param name="value">Its value: an absolute path, or one relative to the current directory (the project's folder during a build).</param>
        public static Content Read(string variable, string value)
        {
            string? path = null;
            try
            {
                path = System.IO.Path.GetFullPath(value.Trim());
            }
            catch (Exception e) when (e is ArgumentException || e is NotSupportedException || e is PathTooLongException)
            {
            }
            if (path == null || !File.Exists(path))
            {
                if (path != null && Directory.Exists(path))
                    throw Fail(variable, $"names the folder {path}, not a file. Point it at a file holding only the password.");
                throw Fail(variable,
                    "names no existing file. It must hold the path of a file containing the password, never the password itself " +
                    "(its value is not shown for that reason; if it held the password, change that password: MSBuild records DOTNET_* variables in binlogs and -v:diag output).");
            }

            byte[] bytes;
            try
            {
                var length = new FileInfo(path).Length;
                if (length > MaxBytes)
                    throw Fail(variable, $"names {path}, which has {length} bytes; a password file holds only the password (at most {MaxBytes / 1024} KiB).");
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new OciException(ErrorCodes.PasswordFileUnusable,
                    $"The password file {path} named by {variable} cannot be read ({e.GetType().Name}). Check that it exists and that the build's user may read it.", e);
            }

            string text;
            try
            {
                // UTF-8, or UTF-16 with a byte order mark (what Windows PowerShell 5's "echo pw > file" writes).
                Encoding encoding = new UTF8Encoding(false, true);
                if (bytes.Length >= 2 && bytes[0] == 0xFF && bytes[1] == 0xFE) encoding = new UnicodeEncoding(false, true, true);
                else if (bytes.Length >= 2 && bytes[0] == 0xFE && bytes[1] == 0xFF) encoding = new UnicodeEncoding(true, true, true);
                text = encoding.GetString(bytes);
            }
            catch (ArgumentException)
            {
                throw Fail(variable, $"names {path}, which is not UTF-8 (or UTF-16) text. It must hold only the password.");
            }
            if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
            if (text.EndsWith("\r\n", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 2);
            else if (text.EndsWith("\n", StringComparison.Ordinal)) text = text.Substring(0, text.Length - 1);

            if (text.Length == 0)
                throw Fail(variable, $"names {path}, which is empty. Write the password into it (one line).");
            if (text.IndexOf('\n') >= 0 || text.IndexOf('\r') >= 0)
                throw Fail(variable, $"names {path}, which has more than one line. It must hold only the password, on one line (the user name goes in the _UNAME variable).");
            return new Content(path, text);
        }

        private static OciException Fail(string variable, string what) =>
            new OciException(ErrorCodes.PasswordFileUnusable, $"The environment variable {variable} {what}");
    }
}
