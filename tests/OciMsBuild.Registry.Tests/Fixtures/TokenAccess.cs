using System;
using System.Collections.Generic;
using System.Linq;

namespace OciMsBuild.Testing.Registry
{
    /// <summary>
    /// One entry of a token's "access" claim, parsed from a scope like "repository:name/with/slashes:pull,push"
    /// (the name may contain ':' only before the last one, e.g. a registry host with a port is not allowed
    /// here but slashes are, so split at the first and last ':').
    /// </summary>
    public sealed record TokenAccess(string Type, string Name, IReadOnlyList<string> Actions)
    {
        public static TokenAccess Parse(string scope)
        {
            var first = scope.IndexOf(':');
            var last = scope.LastIndexOf(':');
            if (first <= 0 || last <= first) throw new FormatException("Not a scope: " + scope);
            var actions = scope.Substring(last + 1).Split(',', StringSplitOptions.RemoveEmptyEntries);
            return new TokenAccess(scope.Substring(0, first), scope.Substring(first + 1, last - first - 1), actions);
        }

        /// <summary>Back to "type:name:a,b".</summary>
        public string ToScope() => $"{Type}:{Name}:{string.Join(",", Actions)}";

        public override string ToString() => ToScope();

        /// <summary>Same entry restricted to the given actions (e.g. a pull-only policy).</summary>
        public TokenAccess Only(params string[] actions) => this with { Actions = Actions.Where(actions.Contains).ToList() };
    }
}
