using System.Collections.Generic;
using System.Text;

namespace OciMsBuild.Core.Engines
{
    /// <summary>
    /// Turns an argument list into one command-line string. netstandard2.0 has no
    /// ProcessStartInfo.ArgumentList, so arguments are joined with the Windows quoting rules, which
    /// are what both .NET on Unix (when it splits ProcessStartInfo.Arguments) and Go programs on
    /// Windows (docker.exe, podman.exe) use to split them again.
    /// </summary>
    internal static class CommandLine
    {
        public static string ToArguments(IEnumerable<string> arguments)
        {
            var text = new StringBuilder();
            foreach (var argument in arguments)
            {
                if (text.Length > 0) text.Append(' ');
                AppendQuoted(text, argument);
            }
            return text.ToString();
        }

        /// <summary>
        /// The command for messages and logs, shell-quoted. The value of every <c>-e KEY=VALUE</c> is
        /// replaced by *** : a container's environment may hold secrets.
        /// </summary>
        public static string Display(string program, IReadOnlyList<string> arguments)
        {
            var text = new StringBuilder(ShellQuote(program));
            for (int i = 0; i < arguments.Count; i++)
            {
                var argument = arguments[i];
                if (i > 0 && (arguments[i - 1] == "-e" || arguments[i - 1] == "--env"))
                {
                    int equals = argument.IndexOf('=');
                    if (equals >= 0) argument = argument.Substring(0, equals + 1) + "***";
                }
                text.Append(' ').Append(ShellQuote(argument));
            }
            return text.ToString();
        }

        private static void AppendQuoted(StringBuilder text, string argument)
        {
            if (argument.Length > 0 && argument.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0)
            {
                text.Append(argument);
                return;
            }
            text.Append('"');
            int backslashes = 0;
            foreach (var c in argument)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                // Backslashes are literal unless they precede a quote: then each one, and the quote, is escaped.
                text.Append('\\', c == '"' ? backslashes * 2 + 1 : backslashes);
                backslashes = 0;
                text.Append(c);
            }
            text.Append('\\', backslashes * 2).Append('"');
        }

        private static string ShellQuote(string argument)
        {
            if (argument.Length > 0)
            {
                bool plain = true;
                foreach (var c in argument)
                    if (!(char.IsLetterOrDigit(c) || "-_./:=@,+%{}".IndexOf(c) >= 0)) { plain = false; break; }
                if (plain) return argument;
            }
            return "'" + argument.Replace("'", "'\\''") + "'";
        }
    }
}
