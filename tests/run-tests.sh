#!/usr/bin/env bash
# The one test command (also what CI runs, through .ci/run):
#
#   tests/run-tests.sh
#
#   1. tests/scripts/install-test-tools.sh   apt-get installs what the end-to-end tests use (docker-registry,
#                                            skopeo, umoci, podman, runc, jq, ...); a no-op when present
#   2. dotnet build OciMsBuild.sln           once
#   3. dotnet test, for every tests/*/*.Tests.csproj, one after the other, each writing
#      artifacts/test-results/<project>.trx; a failing project does not stop the others.
#      Today: OciMsBuild.Core.Tests (unit), OciMsBuild.EndToEnd.Tests (packages, umoci, podman) and
#      OciMsBuild.Registry.Tests (real docker-registry, token server, proxies, skopeo; under a minute)
#   4. reads the TRX files and prints one line per project, then as the very last line:
#          N passed, N failed, N skipped
#      summed over all projects. A project that could not run (no TRX, or dotnet test failed with
#      no failing test in its TRX: build error, crash, abort, hang) is reported and counted as one
#      failure (so is a failed solution build or tool installation), so that line never says
#      "0 failed" when the exit code is not 0.
#
# Exit code: 0 only when every project ran and no test failed.
#
# Environment:
#   CONFIGURATION=Debug          build configuration of the solution and the test projects
#   TEST_FILTER=...              passed to dotnet test --filter (e.g. "FullyQualifiedName~Core")
#   TEST_HANG_TIMEOUT=30m        a test project still running after this is killed and counted failed
#   CI=true                      plain console output (no terminal logger); nothing here ever prompts
# Needs: the .NET 10 SDK, python3, root (apt-get; the end-to-end tests run podman/umoci as root).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

CONFIGURATION=${CONFIGURATION:-Debug}
RESULTS=$REPO/artifacts/test-results
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1
export DEBIAN_FRONTEND=noninteractive
common=(-nologo -c "$CONFIGURATION")
[[ ${CI:-} == true ]] && common+=(-tl:off)

T0=$SECONDS
say() { echo "run-tests: [$((SECONDS - T0)) s] $*"; }

# ---------------------------------------------------------------------------------------------------
say "installing test tools (tests/scripts/install-test-tools.sh)"
tools_ok=true
tests/scripts/install-test-tools.sh </dev/null || { tools_ok=false; say "install-test-tools.sh FAILED; the end-to-end tests will report what is missing"; }

# ---------------------------------------------------------------------------------------------------
say "dotnet build OciMsBuild.sln -c $CONFIGURATION"
build_ok=true
dotnet build OciMsBuild.sln "${common[@]}" </dev/null || { build_ok=false; say "the solution build FAILED"; }

# Projects in the solution were just built: test them with --no-build. Others (a test project not
# added to the solution yet) and everything after a failed build are built by dotnet test itself.
in_sln=$(dotnet sln OciMsBuild.sln list 2>/dev/null | tr '\\' '/' || true)

shopt -s nullglob
projects=(tests/*/*.Tests.csproj)
shopt -u nullglob
((${#projects[@]})) || { say "no test project found (tests/*/*.Tests.csproj)"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

mkdir -p "$RESULTS"
status_file=$RESULTS/run-status.tsv
: >"$status_file"
for proj in "${projects[@]}"; do
  name=$(basename "$proj" .csproj)
  trx=$RESULTS/$name.trx
  rm -f "$trx"
  args=(test "$proj" "${common[@]}" --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS"
        --blame-hang-timeout "${TEST_HANG_TIMEOUT:-30m}" --blame-hang-dump-type none)
  if $build_ok && grep -qxF "$proj" <<<"$in_sln"; then args+=(--no-build); fi
  [[ -n ${TEST_FILTER:-} ]] && args+=(--filter "$TEST_FILTER")
  say "dotnet ${args[*]}"
  start=$SECONDS rc=0
  dotnet "${args[@]}" </dev/null || rc=$?
  say "$name: dotnet test exited $rc after $((SECONDS - start)) s"
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" "$trx" "$((SECONDS - start))" >>"$status_file"
done

dotnet build-server shutdown >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------------
say "results ($RESULTS)"
summary_rc=0
python3 - "$status_file" "$build_ok" "$tools_ok" <<'PY' || summary_rc=$?
import sys, os
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
total_passed = total_failed = total_skipped = 0
bad = False
for ok, what in ((sys.argv[2], "the solution build (dotnet build OciMsBuild.sln)"), (sys.argv[3], "tests/scripts/install-test-tools.sh")):
    if ok != "true":
        print(f"  {what} FAILED (see above): counted as 1 failure")
        total_failed += 1
        bad = True

for line in open(sys.argv[1], encoding="utf-8"):
    name, rc, trx, seconds = line.rstrip("\n").split("\t")
    rc = int(rc)
    if not os.path.isfile(trx):
        print(f"  {name}: FAILED TO RUN (dotnet test exited {rc} after {seconds} s and wrote no TRX: build error or crash; see its output above)")
        total_failed += 1
        bad = True
        continue
    try:
        root = ET.parse(trx).getroot()
    except ET.ParseError as e:
        print(f"  {name}: FAILED TO RUN (unreadable TRX {trx}: {e})")
        total_failed += 1
        bad = True
        continue
    summary = root.find(f"{NS}ResultSummary")
    counters = summary.find(f"{NS}Counters") if summary is not None else None
    c = lambda k: int(counters.get(k, "0")) if counters is not None else 0
    total = c("total")
    passed = c("passed")
    failed = c("failed") + c("error") + c("timeout") + c("aborted")
    skipped = max(0, total - passed - failed)
    outcome = summary.get("outcome", "?") if summary is not None else "?"
    failures = [r.get("testName", "?") for r in root.iter(f"{NS}UnitTestResult") if r.get("outcome") in ("Failed", "Error", "Timeout", "Aborted")]
    line = f"  {name}: {passed} passed, {failed} failed, {skipped} skipped ({seconds} s)"
    note = ""
    if rc != 0 and failed == 0:
        # The run did not complete: build error after the solution build, test host crash, hang
        # (blame-hang), abort. The TRX may hold only the tests that finished.
        note = f" -- dotnet test exited {rc} (outcome {outcome}) with no failing test: counted as 1 failure"
        failed += 1
    print(line + note)
    for t in failures:
        print(f"      failed: {t}")
    total_passed += passed
    total_failed += failed
    total_skipped += skipped
    if failed:
        bad = True

print(f"{total_passed} passed, {total_failed} failed, {total_skipped} skipped")
sys.exit(1 if bad else 0)
PY
exit $((summary_rc == 0 ? 0 : 1))
