#!/usr/bin/env bash
# Speed figures for the README and closing notes (not a test: machines here are noisy).
#   bench/benchmark.sh [RUNS]      default RUNS=3; prints medians and ratios.
# Measures, on a console app with a NuGet dependency and a ProjectReference (self-contained linux-x64):
#   plain      : dotnet publish, nothing changed (the baseline every .NET user pays)
#   image-warm : dotnet publish -p:ContainerImage=true, nothing changed (layers/image targets skipped)
#   image-edit : the same after a one-line code change (only the app layer is packed again)
#   image-cold : first image publish after deleting obj/ and bin/ (and an empty blob store)
#   push-*     : with a real docker-registry on 127.0.0.1 holding the base: first push (base layers
#                mounted), no-change re-push, and the .NET SDK's -t:PublishContainer doing the same
#   multi-*    : two platforms (ContainerRuntimeIdentifiers=linux-x64;linux-arm64), once each:
#                cold and no-change self-contained publish to a layout; a cold framework-dependent
#                publish pushed over a two-platform registry base (blobs and bytes uploaded); a cold
#                self-contained two-platform push beside the .NET SDK's multi-RID PublishContainer
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/ocimsbuild-bench.XXXXXX)
REGISTRY_PID=
trap '[[ -n $REGISTRY_PID ]] && kill $REGISTRY_PID 2>/dev/null; rm -rf "$WORK"; dotnet build-server shutdown >/dev/null 2>&1 || true' EXIT INT TERM
export NUGET_PACKAGES=$ROOT/artifacts/bench/nuget-packages MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
mkdir -p "$NUGET_PACKAGES"; rm -rf "$NUGET_PACKAGES"/ocimsbuild*
VERSION=0.1.0-bench.$(date +%s)
"$ROOT/tests/scripts/make-base-images.sh" "$ROOT/artifacts/test-cache/base" >/dev/null 2>&1
dotnet pack "$ROOT/OciMsBuild.sln" -c Release -o "$WORK/feed" -p:OciMsBuildVersion=$VERSION -nodeReuse:false >/dev/null

mkdir -p "$WORK/src/Greeting" "$WORK/src/App"
cat > "$WORK/src/nuget.config" <<X
<configuration><packageSources><add key="bench" value="$WORK/feed" /></packageSources></configuration>
X
echo '<Project><PropertyGroup><PathMap>$(MSBuildThisFileDirectory)=/src/</PathMap></PropertyGroup></Project>' > "$WORK/src/Directory.Build.props"
echo '<Project />' > "$WORK/src/Directory.Build.targets"
echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' > "$WORK/src/Directory.Packages.props"
cat > "$WORK/src/Greeting/Greeting.csproj" <<'X'
<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>
X
echo 'namespace Greeting { public static class Greeter { public static string Hello() => "hello"; } }' > "$WORK/src/Greeting/Greeter.cs"
cat > "$WORK/src/App/App.csproj" <<X
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    <PackageReference Include="OciMsBuild" Version="$VERSION" PrivateAssets="all" />
    <ProjectReference Include="../Greeting/Greeting.csproj" />
  </ItemGroup>
</Project>
X
echo 'Console.WriteLine(Greeting.Greeter.Hello() + Newtonsoft.Json.JsonConvert.SerializeObject(1));' > "$WORK/src/App/Program.cs"

COMMON=(-c Release -r linux-x64 --self-contained -nodeReuse:false -v:n)
IMAGE=(-p:ContainerImage=true "-p:ContainerBaseImage=oci-layout://$ROOT/artifacts/test-cache/base/oci:deps" "-p:ContainerBlobCachePath=$WORK/blobs")
t() { local s e; s=$(date +%s.%N); "$@" >"$WORK/last.log" 2>&1 || { cat "$WORK/last.log"; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cd "$WORK/src/App"

declare -A R
for i in $(seq "$RUNS"); do
  rm -rf obj bin ../Greeting/obj ../Greeting/bin "$WORK/blobs"
  R[cold]+="$(t dotnet publish "${COMMON[@]}" "${IMAGE[@]}") "
  R[warm]+="$(t dotnet publish "${COMMON[@]}" "${IMAGE[@]}") "
  grep -q 'Skipping target "_OciPackLayers"' "$WORK/last.log" || { echo "warm run did not skip _OciPackLayers" >&2; exit 1; }
  R[plain]+="$(t dotnet publish "${COMMON[@]}") "
  echo "Console.WriteLine($i);" >> Program.cs
  R[edit]+="$(t dotnet publish "${COMMON[@]}" "${IMAGE[@]}") "
done
declare -A M
for k in plain warm edit cold; do M[$k]=$(printf '%s\n' ${R[$k]} | median); done
printf 'runs: %s (median seconds)\n' "$RUNS"
printf 'plain dotnet publish, no change          : %6.2f s\n' "${M[plain]}"
printf 'image publish, no change                 : %6.2f s   ratio to plain %.2f\n' "${M[warm]}" "$(echo "${M[warm]} / ${M[plain]}" | bc -l)"
printf 'image publish, one-line change           : %6.2f s\n' "${M[edit]}"
printf 'image publish, cold (no obj/, no blobs)  : %6.2f s\n' "${M[cold]}"
jq -r '.layers[] | "layer \(.kind): \(.size) bytes \(.digest)"' obj/container/Release/net10.0/image.json

# Push figures against a real registry (docker-registry from tests/scripts/install-test-tools.sh).
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK/registry"
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' "$WORK/registry" "$PORT" > "$WORK/registry.yml"
docker-registry serve "$WORK/registry.yml" >"$WORK/registry.log" 2>&1 & REGISTRY_PID=$!
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/" && break; sleep 0.1; done
REG=127.0.0.1:$PORT
skopeo copy -q --dest-tls-verify=false "oci:$ROOT/artifacts/test-cache/base/oci:deps" "docker://$REG/dotnet/runtime-deps:10.0"
PUSH=(-p:ContainerImage=true "-p:ContainerBaseImage=$REG/dotnet/runtime-deps:10.0" "-p:ContainerRegistry=$REG" -p:ContainerRepository=bench/app "-p:ContainerBlobCachePath=$WORK/blobs")
P_FIRST=$(t dotnet publish "${COMMON[@]}" "${PUSH[@]}"); FIRST_LINE=$(grep -o 'OciMsBuild: pushed.*' "$WORK/last.log" | head -1)
P_AGAIN=$(t dotnet publish "${COMMON[@]}" "${PUSH[@]}"); AGAIN_LINE=$(grep -o 'OciMsBuild: pushed.*' "$WORK/last.log" | head -1)
SDK=(-t:PublishContainer "-p:ContainerBaseImage=$REG/dotnet/runtime-deps:10.0" "-p:ContainerRegistry=$REG" -p:ContainerRepository=bench/sdk)
export DOTNET_CONTAINER_INSECURE_REGISTRIES=$REG
S_FIRST=$(t dotnet publish "${COMMON[@]}" "${SDK[@]}")
S_AGAIN=$(t dotnet publish "${COMMON[@]}" "${SDK[@]}")
printf 'push, first (base in the same registry)  : %6.2f s   .NET SDK PublishContainer %6.2f s\n' "$P_FIRST" "$S_FIRST"
printf 'push, no change                          : %6.2f s   .NET SDK PublishContainer %6.2f s   ratio %.2f\n' "$P_AGAIN" "$S_AGAIN" "$(echo "$P_AGAIN / $S_AGAIN" | bc -l)"
echo "  first: $FIRST_LINE"
echo "  again: $AGAIN_LINE"

# Multi-platform: linux-x64 + linux-arm64 (one run each: cold figures are what matter here).
BASE=$ROOT/artifacts/test-cache/base/oci
skopeo copy -q --all --dest-tls-verify=false "oci:$BASE:deps-all" "docker://$REG/dotnet/runtime-deps:10.0-multi"
skopeo copy -q --all --dest-tls-verify=false "oci:$BASE:runtime-all" "docker://$REG/dotnet/runtime:10.0-multi"
TWO=(-c Release -nodeReuse:false -v:n -p:ContainerImage=true '-p:ContainerRuntimeIdentifiers="linux-x64;linux-arm64"' "-p:ContainerBlobCachePath=$WORK/blobs-multi")
clean() { rm -rf obj bin ../Greeting/obj ../Greeting/bin "$WORK/blobs-multi"; }
clean
M_COLD=$(t dotnet publish --self-contained "${TWO[@]}" "-p:ContainerBaseImage=oci-layout://$BASE:deps-all")
M_WARM=$(t dotnet publish --self-contained "${TWO[@]}" "-p:ContainerBaseImage=oci-layout://$BASE:deps-all")
jq -r '.platforms[] | .platform as $p | .layers[] | select(.kind != "base") | "  \($p) \(.kind): \(.size) bytes \(.digest[7:19])"' obj/container/Release/net10.0/image.json
clean
M_FDD=$(t dotnet publish "${TWO[@]}" "-p:ContainerBaseImage=$REG/dotnet/runtime:10.0-multi" "-p:ContainerRegistry=$REG" -p:ContainerRepository=bench/multi-fdd)
FDD_LINE=$(grep -o 'OciMsBuild: pushed.*' "$WORK/last.log" | head -1)
clean
M_SC_PUSH=$(t dotnet publish --self-contained "${TWO[@]}" "-p:ContainerBaseImage=$REG/dotnet/runtime-deps:10.0-multi" "-p:ContainerRegistry=$REG" -p:ContainerRepository=bench/multi-sc)
SC_LINE=$(grep -o 'OciMsBuild: pushed.*' "$WORK/last.log" | head -1)
clean
# The SDK's documented multi-RID form (with `dotnet publish --self-contained` it would build linux-x64 only).
S_MULTI=$(t dotnet msbuild -restore -t:PublishContainer -p:Configuration=Release -nodeReuse:false -v:n '-p:RuntimeIdentifiers="linux-x64;linux-arm64"' \
  '-p:ContainerRuntimeIdentifiers="linux-x64;linux-arm64"' -p:SelfContained=true -p:UseCurrentRuntimeIdentifier=false \
  "-p:ContainerBaseImage=$REG/dotnet/runtime-deps:10.0-multi" "-p:ContainerRegistry=$REG" -p:ContainerRepository=bench/sdk-multi)
printf 'two platforms, self-contained, cold      : %6.2f s\n' "$M_COLD"
printf 'two platforms, self-contained, no change : %6.2f s\n' "$M_WARM"
printf 'two platforms, framework-dependent, cold, pushed : %6.2f s\n' "$M_FDD"
echo "  $FDD_LINE"
printf 'two platforms, self-contained, cold, pushed      : %6.2f s   .NET SDK multi-RID PublishContainer %6.2f s   ratio %.2f\n' "$M_SC_PUSH" "$S_MULTI" "$(echo "$M_SC_PUSH / $S_MULTI" | bc -l)"
echo "  $SC_LINE"
