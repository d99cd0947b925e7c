#!/usr/bin/env bash
# OciMsBuild beside the .NET SDK's own container publishing, side by side (issue 11, items 1 and 6).
# Figures for the README and closing notes, NOT a test: machines here are noisy, nothing asserts on them.
#
#   bench/benchmark.sh [RUNS]        RUNS (default 5) measured runs per case, after one warm-up run
#
# One command on a clean clone (as root, like tests/run-tests.sh): it installs what is missing with
# apt-get (tests/scripts/install-test-tools.sh, plus `time`, `bc`, `openssl`), builds the test base
# images once (tests/scripts/make-base-images.sh -> artifacts/test-cache/base), packs our NuGet package
# once into a temp feed, starts ONE docker-registry on 127.0.0.1 (free port, temp config and storage),
# seeds the base images into it (dotnet/{runtime-deps,runtime,aspnet}:10.0, :10.0-arm64, :10.0-multi)
# and stops it on exit. Progress goes to stderr, the tables to stdout (and to artifacts/bench/).
#
# Each app exists three times, identical but for the package reference: `ours` (PackageReference
# OciMsBuild, `dotnet publish -p:ContainerImage=true`), `sdk` (no reference: the SDK's own
# `-t:PublishContainer`) and `plain` (no reference: `dotnet publish`, no image). Per round the three
# run in turn (ours, sdk, plain, ours, sdk, plain, ...), all pushing to the same registry, bases from it.
# A tool's image step = its publish minus the plain publish of the same round.
#
# Apps (BENCH_APPS, comma separated; default all):
#   console  self-contained linux-x64 console app, one NuGet package and one ProjectReference
#   web      framework-dependent linux-x64 minimal API (Microsoft.NET.Sdk.Web) on the aspnet base
#   multi    the console app for linux-x64 + linux-arm64 (an image index); ours with
#            ContainerRuntimeIdentifiers, the SDK's multi-RID PublishContainer (dotnet msbuild -restore)
#   growth   the console app with BENCH_GROWTH_MB (default "1 10 100") MB of extra content files
#            (deterministic pseudo-random bytes, incompressible); ours and plain only, cold + nochange
#   services a solution of three framework-dependent console services sharing a library, cold only:
#            `dotnet publish Services.slnx -m` against the three services published one by one, for
#            ours, the SDK (-t:PublishContainer) and plain; its own table
#   off      quiet when off: `dotnet build` of the console app with our package referenced and
#            ContainerImage unset, against the same app without the package; its own table
# Scenarios (BENCH_SCENARIOS, comma separated; default all):
#   cold      clean bin/obj, empty caches of both tools, a new repository every run
#   newapp    a new app on a warm machine: the same app was built and pushed before (warm caches), now
#             a code change, clean bin/obj, a new repository every run
#   nochange  publish again, nothing changed, same repository and tag
#   edit      a one-line edit of Program.cs, then publish (same repository and tag)
#   ci        a clean CI runner rebuilding an image the registry already has: clean bin/obj, empty
#             caches, same repository and tag as the image pushed before
# Other knobs: BENCH_PERF=0 skips the extra -clp:PerformanceSummary runs (cold console, ours and SDK);
# BENCH_KEEP=1 keeps the temp folder (logs, registry log, summaries).
#
# Caches: ours is the blob store (ContainerBlobCachePath, a fresh folder for cold/ci, one warm folder
# per app otherwise). The SDK (10.0) keeps a content store in $XDG_CACHE_HOME/dotnet/Containers/Content
# (else ~/.cache/dotnet/...): every layer it builds (kept, never pruned) and the base blobs it had to
# download. It re-tars and re-gzips its layer on every publish, so the store saves it nothing here, but
# every run gets its own XDG_CACHE_HOME all the same: fresh for cold/ci, one warm folder per app
# otherwise (so ~/.cache is not filled either). Restore (NUGET_PACKAGES in
# artifacts/bench/nuget-packages) is warm for everybody: it is not what is compared.
#
# Peak memory: GNU time's "Maximum resident set size" of `dotnet`, i.e. Linux's ru_maxrss from wait4:
# the LARGEST single process among dotnet and the descendants it reaped (MSBuild worker nodes, which
# -nodeReuse:false makes exit at the end), not their sum. In practice that is the main MSBuild process
# (sampled in a two-RID publish: main node 187 MB, worker nodes 127-140 MB). The Roslyn compiler
# server (VBCSCompiler) is a detached process and is not counted.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
RUNS=${1:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage
APPS=${BENCH_APPS:-console,web,multi,growth,services,off}
SCENARIOS=${BENCH_SCENARIOS:-cold,newapp,nochange,edit,ci}
GROWTH_MB=${BENCH_GROWTH_MB:-1 10 100}
PERF=${BENCH_PERF:-1}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTDIR=$ROOT/artifacts/bench
BASE_CACHE=$ROOT/artifacts/test-cache/base
T0=$(date +%s)
has() { [[ ,$1, == *,$2,* ]]; }
for a in ${APPS//,/ }; do [[ $a =~ ^(console|web|multi|growth|services|off)$ ]] || { echo "benchmark: unknown app '$a'" >&2; usage; }; done
for s in ${SCENARIOS//,/ }; do [[ $s =~ ^(cold|newapp|nochange|edit|ci)$ ]] || { echo "benchmark: unknown scenario '$s'" >&2; usage; }; done

clock() { local s=$(( $(date +%s) - T0 )); printf '%d:%02d' $((s / 60)) $((s % 60)); }
say() { printf '[bench %s] %s\n' "$(clock)" "$*" >&2; }
die() { printf 'benchmark: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# Tools: what make-base-images.sh and the registry need, then GNU time (peak RSS), bc, openssl.
"$ROOT/tests/scripts/install-test-tools.sh"
missing=()
for p in time bc openssl; do
  [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || die "the .NET 10 SDK (dotnet) is not on PATH"

WORK=$(mktemp -d /tmp/ocimsbuild-bench.XXXXXX)
REGISTRY_PID=
cleanup() {
  if [[ -n $REGISTRY_PID ]]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; fi
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NUGET_PACKAGES=$OUTDIR/nuget-packages MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 \
  DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$NUGET_PACKAGES" "$WORK"/{logs,runs,cache,apps}
rm -rf "$NUGET_PACKAGES"/ocimsbuild*

say "base images (tests/scripts/make-base-images.sh, once per machine)"
"$ROOT/tests/scripts/make-base-images.sh" "$BASE_CACHE" 2>"$WORK/logs/base-images.log" || { cat "$WORK/logs/base-images.log" >&2; exit 1; }
LAYOUT=$BASE_CACHE/oci

VERSION=0.1.0-bench.$(date +%s)
say "dotnet pack (OciMsBuild $VERSION into a temp feed)"
dotnet pack "$ROOT/OciMsBuild.sln" -c Release -o "$WORK/feed" -p:OciMsBuildVersion="$VERSION" -nodeReuse:false \
  >"$WORK/logs/pack.log" 2>&1 || { tail -n 40 "$WORK/logs/pack.log" >&2; die "dotnet pack failed"; }

# ---------------------------------------------------------------------------------------------------
# One registry, plain HTTP on 127.0.0.1. The access log writes one line per request (the app log is
# at level error so nothing else is logged per request): that is what the request counts read.
STORAGE=$WORK/registry/storage ACCESS=$WORK/registry/registry.log
mkdir -p "$STORAGE"
start_registry() {
  local port
  for _ in $(seq 20); do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue   # taken
    printf '%s\n' 'version: 0.1' 'log:' '  level: error' '  formatter: text' '  accesslog: {disabled: false}' \
      'storage:' "  filesystem: {rootdirectory: $STORAGE}" '  maintenance: {uploadpurging: {enabled: false}}' \
      'http:' "  addr: 127.0.0.1:$port" > "$WORK/registry/config.yml"
    docker-registry serve "$WORK/registry/config.yml" >"$ACCESS" 2>&1 </dev/null &
    REGISTRY_PID=$!
    for _ in $(seq 100); do
      curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && { REG=127.0.0.1:$port; return 0; }
      kill -0 "$REGISTRY_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$REGISTRY_PID" 2>/dev/null; wait "$REGISTRY_PID" 2>/dev/null; REGISTRY_PID=
  done
  cat "$ACCESS" >&2; die "docker-registry did not start"
}
start_registry
export DOTNET_CONTAINER_INSECURE_REGISTRIES=$REG   # the SDK wants it for plain HTTP; ours allows loopback anyway
say "registry http://$REG (pid $REGISTRY_PID), storage $STORAGE"

# Seed the bases: TAG -> dotnet/NAME:10.0, TAG-arm64 -> :10.0-arm64, TAG-all (index) -> :10.0-multi.
tag_exists() { jq -e --arg t "$1" 'any(.manifests[]; .annotations["org.opencontainers.image.ref.name"] == $t)' "$LAYOUT/index.json" >/dev/null; }
for pair in deps:runtime-deps runtime:runtime aspnet:aspnet; do
  for suffix in "" -arm64 -all; do
    src=${pair%%:*}$suffix; dest=10.0${suffix/-all/-multi}
    tag_exists "$src" || continue
    skopeo --insecure-policy copy -q --all --dest-tls-verify=false "oci:$LAYOUT:$src" "docker://$REG/dotnet/${pair#*:}:$dest" \
      || die "skopeo could not seed $src"
  done
done
say "seeded the base images ($(du -sh "$STORAGE" | cut -f1))"

# ---------------------------------------------------------------------------------------------------
# The apps. PathMap makes the three copies compile to the same bytes whatever their folder.
OURS_REF="<PackageReference Include=\"OciMsBuild\" Version=\"$VERSION\" PrivateAssets=\"all\" />"
write_tree() {  # write_tree DIR KIND VARIANT [MB]
  local dir=$1 kind=$2 variant=$3 mb=${4:-0} ref= props= content=
  [[ $variant == ours ]] && ref=$OURS_REF
  mkdir -p "$dir/App"
  printf '<configuration><packageSources><add key="bench" value="%s" /></packageSources></configuration>\n' "$WORK/feed" > "$dir/nuget.config"
  echo '<Project><PropertyGroup><PathMap>$(MSBuildThisFileDirectory)=/src/</PathMap></PropertyGroup></Project>' > "$dir/Directory.Build.props"
  echo '<Project />' > "$dir/Directory.Build.targets"
  echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' > "$dir/Directory.Packages.props"
  if [[ $kind == web ]]; then
    cat > "$dir/App/App.csproj" <<X
<Project Sdk="Microsoft.NET.Sdk.Web">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup>$ref</ItemGroup>
</Project>
X
    cat > "$dir/App/Program.cs" <<'X'
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/", () => "hello");
app.MapGet("/items/{id:int}", (int id) => Results.Ok(new { id, name = $"item {id}" }));
app.Run();
X
    return
  fi
  [[ $kind == multi ]] && props='<RuntimeIdentifiers>linux-x64;linux-arm64</RuntimeIdentifiers>'
  if ((mb > 0)); then
    content='<ItemGroup><None Remove="data/**" /><Content Include="data/**" CopyToPublishDirectory="PreserveNewest" /></ItemGroup>'
    mkdir -p "$dir/App/data"
    # mb files of 1 MiB: AES-CTR of zeros with a fixed key, the same bytes on every machine.
    head -c $((mb * 1048576)) /dev/zero \
      | openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
      | split -b 1048576 -d -a 3 - "$dir/App/data/blob-"
  fi
  mkdir -p "$dir/Greeting"
  echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>' > "$dir/Greeting/Greeting.csproj"
  echo 'namespace Greeting { public static class Greeter { public static string Hello() => "hello"; } }' > "$dir/Greeting/Greeter.cs"
  cat > "$dir/App/App.csproj" <<X
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>$props</PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    $ref
    <ProjectReference Include="../Greeting/Greeting.csproj" />
  </ItemGroup>
  $content
</Project>
X
  echo 'Console.WriteLine(Greeting.Greeter.Hello() + Newtonsoft.Json.JsonConvert.SerializeObject(1));' > "$dir/App/Program.cs"
  # The plain two-RID publish: both RIDs in parallel in one build, as both image tools do it.
  if [[ $kind == multi ]]; then
    cat > "$dir/publish-all.proj" <<'X'
<Project DefaultTargets="Build">
  <Target Name="Restore"><MSBuild Projects="App/App.csproj" Targets="Restore" /></Target>
  <Target Name="Build">
    <ItemGroup>
      <_Rid Include="linux-x64;linux-arm64" />
      <_Publish Include="App/App.csproj" AdditionalProperties="RuntimeIdentifier=%(_Rid.Identity);SelfContained=true;Configuration=Release" />
    </ItemGroup>
    <MSBuild Projects="@(_Publish)" Targets="Publish" BuildInParallel="true" />
  </Target>
</Project>
X
  fi
}

# Cases: "app" is console|web|multi|grow<MB>; its kind decides the commands.
CASES=()
for a in ${APPS//,/ }; do
  [[ $a == services || $a == off ]] && continue   # their own sections below
  if [[ $a == growth ]]; then for mb in $GROWTH_MB; do CASES+=("grow$mb"); done; else CASES+=("$a"); fi
done
kind_of() { case $1 in grow*) echo console ;; *) echo "$1" ;; esac; }
tools_of() { case $1 in grow*) echo "ours plain" ;; *) echo "ours sdk plain" ;; esac; }
scenarios_of() {
  local s out=()
  for s in ${SCENARIOS//,/ }; do
    [[ $1 == grow* && $s != cold && $s != nochange ]] && continue
    out+=("$s")
  done
  echo "${out[*]}"
}

say "writing the apps (${CASES[*]})"
for c in "${CASES[@]}"; do
  for v in $(tools_of "$c"); do
    mb=0; [[ $c == grow* ]] && mb=${c#grow}
    write_tree "$WORK/apps/$c/$v" "$(kind_of "$c")" "$v" "$mb"
    cp "$WORK/apps/$c/$v/App/Program.cs" "$WORK/apps/$c/$v/Program.cs.orig"
  done
done

# ---------------------------------------------------------------------------------------------------
# Commands. BLOBS (ours' blob store) and SDKCACHE (XDG_CACHE_HOME: the SDK's store) are set per run by the scenario.
base_of() { case $(kind_of "$1") in console) echo "$REG/dotnet/runtime-deps:10.0" ;; web) echo "$REG/dotnet/aspnet:10.0" ;; multi) echo "$REG/dotnet/runtime-deps:10.0-multi" ;; esac; }
command_for() {  # command_for CASE TOOL REPO -> CMD array
  local c=$1 tool=$2 repo=$3 kind base
  kind=$(kind_of "$c"); base=$(base_of "$c")
  local push=("-p:ContainerBaseImage=$base" "-p:ContainerRegistry=$REG" "-p:ContainerRepository=$repo" -p:ContainerImageTag=bench)
  local rids='-p:ContainerRuntimeIdentifiers="linux-x64;linux-arm64"'
  CMD=()
  case $kind:$tool in
    console:ours) CMD=(dotnet publish App -c Release -r linux-x64 --self-contained -p:ContainerImage=true "${push[@]}" "-p:ContainerBlobCachePath=$BLOBS") ;;
    console:sdk)  CMD=(dotnet publish App -c Release -r linux-x64 --self-contained -t:PublishContainer "${push[@]}") ;;
    console:plain) CMD=(dotnet publish App -c Release -r linux-x64 --self-contained) ;;
    web:ours)     CMD=(dotnet publish App -c Release -r linux-x64 --self-contained false -p:ContainerImage=true "${push[@]}" "-p:ContainerBlobCachePath=$BLOBS") ;;
    web:sdk)      CMD=(dotnet publish App -c Release -r linux-x64 --self-contained false -t:PublishContainer "${push[@]}") ;;
    web:plain)    CMD=(dotnet publish App -c Release -r linux-x64 --self-contained false) ;;
    multi:ours)   CMD=(dotnet publish App -c Release -r linux-x64 --self-contained -p:ContainerImage=true "$rids" "${push[@]}" "-p:ContainerBlobCachePath=$BLOBS") ;;
    # The SDK's documented multi-RID form; `dotnet publish --self-contained` would infer one RID.
    multi:sdk)    CMD=(dotnet msbuild App -restore -t:PublishContainer -p:Configuration=Release -p:SelfContained=true
                       -p:UseCurrentRuntimeIdentifier=false "$rids" "${push[@]}") ;;
    multi:plain)  CMD=(dotnet msbuild publish-all.proj -restore) ;;
  esac
  CMD+=(-nodeReuse:false)
}

RESULTS=$WORK/results.tsv
: > "$RESULTS"
DONE=0 PLANNED=0 GUESS=0 MEASURE_START=
count_plan() {  # publishes to run, and a rough guess of their seconds on a busy 2-core machine
  local c s t n
  for c in "${CASES[@]}"; do for s in $(scenarios_of "$c"); do
    n=$(( RUNS + 1 )); case $s in newapp|nochange|ci) n=$((n + 1)) ;; esac   # + the prime
    for t in $(tools_of "$c"); do
      PLANNED=$((PLANNED + n)); GUESS=$((GUESS + n * $( [[ $c == multi ]] && echo 25 || echo 10 )))
    done
  done; done
}
count_plan
say "plan: ${CASES[*]} x $(echo "$SCENARIOS" | tr , ' ') x RUNS=$RUNS (+1 warm-up): $PLANNED publishes, roughly $((GUESS / 60)) min (the ETA below follows the real pace)"

# measure CASE SCEN TOOL RUN REPO: runs the command in the variant folder under /usr/bin/time -v and
# appends one line to results.tsv: case scen tool run seconds maxrss_kb requests uploaded_blobs
# uploaded_bytes storage_growth digest. RUN=p is the prime, 0 the warm-up, 1..RUNS measured.
measure() {
  local c=$1 scen=$2 tool=$3 run=$4 repo=$5 dir=$WORK/apps/$1/$3 id=$1-$2-$3-$4
  local logf=$WORK/logs/$id.log tf=$WORK/runs/$id.time lines0 du0 s e secs rss reqs digest=- up n=0 bytes=0 grow d f store=-
  command_for "$c" "$tool" "$repo"
  lines0=$(wc -l < "$ACCESS"); du0=$(du -sb "$STORAGE" | cut -f1)
  s=$(date +%s%N)
  if ! (cd "$dir" && XDG_CACHE_HOME=$SDKCACHE /usr/bin/time -v -o "$tf" "${CMD[@]}") >"$logf" 2>&1; then
    tail -n 30 "$logf" >&2; die "$id failed: (cd $dir && ${CMD[*]}); log $logf"
  fi
  e=$(date +%s%N)
  secs=$(echo "scale=3; ($e - $s) / 1000000000" | bc)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tf")
  tail -n +"$((lines0 + 1))" "$ACCESS" | grep -E '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' > "$WORK/runs/$id.requests" || true
  reqs=$(wc -l < "$WORK/runs/$id.requests")
  # Completed blob uploads: the closing PUT .../blobs/uploads/<id>?digest=... answered 201 (a mount is a
  # POST and is not counted). Their sizes come from the registry's own blob files.
  up=$WORK/runs/$id.uploaded
  grep -E '"PUT /v2/[^ ]*/blobs/uploads/[^ ]*digest=[^ ]* HTTP/[0-9.]+" 201 ' "$WORK/runs/$id.requests" \
    | grep -oE 'digest=sha256(%3A|:)[0-9a-f]{64}' | grep -oE '[0-9a-f]{64}' | sort -u > "$up" || true
  while read -r d; do
    f=$STORAGE/docker/registry/v2/blobs/sha256/${d:0:2}/$d/data
    n=$((n + 1)); bytes=$((bytes + $(stat -c %s "$f")))
  done < "$up"
  grow=$(( $(du -sb "$STORAGE" | cut -f1) - du0 ))
  if [[ $tool != plain ]]; then
    digest=$(curl -sfI -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
      "http://$REG/v2/$repo/manifests/bench" | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}')
    [[ -n $digest ]] || die "$id: no bench tag in $repo after the publish"
  fi
  [[ $tool != ours ]] || cp "$dir/App/obj/container/Release/net10.0/image.json" "$WORK/runs/$id.summary.json"
  # What the SDK's content store holds now ($XDG_CACHE_HOME/dotnet/Containers).
  [[ $tool != sdk ]] || store=$( { du -sb "$SDKCACHE/dotnet/Containers" 2>/dev/null || echo 0; } | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$scen" "$tool" "$run" "$secs" "$rss" "$reqs" "$n" "$bytes" "$grow" "$digest" "$store" >> "$RESULTS"
  DONE=$((DONE + 1))
  local now el eta; now=$(date +%s); el=$((now - MEASURE_START))
  eta=$(( el * (PLANNED - DONE) / DONE ))
  say "$(printf '[%d/%d] %-8s %-8s %-5s run %s: %6.2f s  %4d MB  %3d requests  %d blobs %d bytes up%s  (ETA %d:%02d)' \
    "$DONE" "$PLANNED" "$c" "$scen" "$tool" "$run" "$secs" $((rss / 1024)) "$reqs" "$n" "$bytes" \
    "$([[ $store == - ]] || echo ", SDK store $((store / 1048576)) MB")" $((eta / 60)) $((eta % 60)))"
}

clean_tree() { rm -rf "$1"/App/bin "$1"/App/obj "$1"/Greeting/bin "$1"/Greeting/obj; }
set_program() {  # set_program DIR [LINE]: the original Program.cs, plus LINE if given
  cp "$1/Program.cs.orig" "$1/App/Program.cs"
  [[ -z ${2:-} ]] || echo "$2" >> "$1/App/Program.cs"
}
# Per tool: caches for a run. fresh -> new empty folders; warm -> the case's long-lived folders.
use_caches() {  # use_caches CASE fresh|warm ID
  if [[ $2 == fresh ]]; then
    rm -rf "$WORK/cache/fresh"; BLOBS=$WORK/cache/fresh/blobs SDKCACHE=$WORK/cache/fresh/xdg
  else
    BLOBS=$WORK/cache/$1-warm/blobs SDKCACHE=$WORK/cache/$1-warm/xdg
  fi
  mkdir -p "$BLOBS" "$SDKCACHE"
}

# run_scenario CASE SCEN: prime (if any), warm-up (run 0), RUNS measured runs; tools alternate per round.
run_scenario() {
  local c=$1 scen=$2 r t dir tools
  tools=$(tools_of "$c")
  say "== $c / $scen"
  for t in $tools; do set_program "$WORK/apps/$c/$t"; done
  case $scen in
    newapp)   # the app published before: what makes the machine warm
      for t in $tools; do use_caches "$c" warm; clean_tree "$WORK/apps/$c/$t"; measure "$c" "$scen" "$t" p "bench/$c-sibling-$t"; done ;;
    nochange) for t in $tools; do use_caches "$c" warm; measure "$c" "$scen" "$t" p "bench/$c-nochange-$t"; done ;;
    ci)       for t in $tools; do use_caches "$c" fresh; clean_tree "$WORK/apps/$c/$t"; measure "$c" "$scen" "$t" p "bench/$c-ci-$t"; done ;;
  esac
  for r in $(seq 0 "$RUNS"); do
    for t in $tools; do
      dir=$WORK/apps/$c/$t
      case $scen in
        cold)     use_caches "$c" fresh; clean_tree "$dir"; measure "$c" "$scen" "$t" "$r" "bench/$c-cold-$t-$r" ;;
        newapp)   use_caches "$c" warm; clean_tree "$dir"; set_program "$dir" "Console.WriteLine(\"new app $r\");"
                  measure "$c" "$scen" "$t" "$r" "bench/$c-newapp-$t-$r" ;;
        nochange) use_caches "$c" warm; measure "$c" "$scen" "$t" "$r" "bench/$c-nochange-$t" ;;
        edit)     use_caches "$c" warm; echo "Console.WriteLine(\"edit $r\");" >> "$dir/App/Program.cs"
                  measure "$c" "$scen" "$t" "$r" "bench/$c-edit-$t" ;;
        ci)       use_caches "$c" fresh; clean_tree "$dir"; measure "$c" "$scen" "$t" "$r" "bench/$c-ci-$t" ;;
      esac
    done
  done
  for t in $tools; do set_program "$WORK/apps/$c/$t"; done
  rm -rf "$WORK/cache/fresh"
}

MEASURE_START=$(date +%s)
for c in "${CASES[@]}"; do
  for s in $(scenarios_of "$c"); do run_scenario "$c" "$s"; done
  rm -rf "$WORK/cache/$c-warm"
done

# ---------------------------------------------------------------------------------------------------
# Where the cold image step goes: one more cold console run of each tool with MSBuild's performance summary.
PERF_TEXT=
if [[ $PERF == 1 ]] && has "$APPS" console && has "$SCENARIOS" cold; then
  say "== performance summary of one cold console run per tool"
  perf_run() {  # perf_run TOOL -> the top of the target and task summaries
    local t=$1 dir=$WORK/apps/console/$1 logf=$WORK/logs/perf-$1.log
    use_caches console fresh; clean_tree "$dir"; command_for console "$t" "bench/console-perf-$t"
    (cd "$dir" && XDG_CACHE_HOME=$SDKCACHE "${CMD[@]}" -clp:PerformanceSummary) >"$logf" 2>&1 || { tail -n 30 "$logf" >&2; die "perf run $t failed"; }
    awk '/Target Performance Summary:/ {m="target"; next} /Task Performance Summary:/ {m="task"; next}
         m != "" && /^ *[0-9]+ ms / && $1 >= 10 { n=$3; if (m == "target" && (n ~ /^_?Oci/ || n ~ /Container/ || n == "CoreCompile" || n ~ /^_CopyResolvedFilesToPublish|^ResolvePackageAssets$|^_GenerateRestoreGraph$|^Restore$/))
                                         printf "  target %-38s %7d ms\n", n, $1;
                                       if (m == "task" && $1 >= 100) printf "  task   %-38s %7d ms\n", n, $1 }' "$logf" | sort -k3 -n -r
  }
  PERF_TEXT=$(printf 'ours (cold, console, -clp:PerformanceSummary; times overlap: a target includes the tasks it runs):\n%s\nSDK:\n%s\n' \
    "$(perf_run ours)" "$(perf_run sdk)")
  rm -rf "$WORK/cache/fresh"
fi

# ---------------------------------------------------------------------------------------------------
# Tables. Medians over runs 1..RUNS; an image step is the median of the per-round differences
# (tool - plain of the same round), so a slow moment of the machine hits both sides of one difference.
median() { sort -g | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
col() {  # col CASE SCEN TOOL FIELD -> the measured runs' values of one field
  awk -F'\t' -v c="$1" -v s="$2" -v t="$3" -v f="$4" '$1 == c && $2 == s && $3 == t && $4 ~ /^[1-9][0-9]*$/ {print $f}' "$RESULTS"
}
med() { col "$@" | median; }
step() {  # step CASE SCEN TOOL -> median over rounds of (tool - plain)
  awk -F'\t' -v c="$1" -v s="$2" -v t="$3" '$1 == c && $2 == s && $4 ~ /^[1-9][0-9]*$/ && ($3 == t || $3 == "plain") {v[$4, $3] = $5; r[$4] = 1}
    END {for (i in r) if ((i, t) in v && (i, "plain") in v) print v[i, t] - v[i, "plain"]}' "$RESULTS" | median
}
same_digest() {  # prime, warm-up and measured runs: one digest? (newapp/edit change the code: -)
  case $2 in newapp|edit) echo - ; return ;; esac
  local n; n=$(awk -F'\t' -v c="$1" -v s="$2" -v t="$3" '$1 == c && $2 == s && $3 == t {print $11}' "$RESULTS" | sort -u | wc -l)
  ((n == 0)) && echo - || { ((n == 1)) && echo yes || echo "no ($n)"; }
}
fmt() { [[ $1 == - ]] && echo - || printf "%.${2:-2}f" "$1"; }
mb() { [[ $1 == - ]] && echo - || printf '%.0f' "$(echo "$1 / 1024" | bc -l)"; }
human() { [[ $1 == - ]] && echo - || numfmt --to=iec --suffix=B "$1"; }
ratio() {  # ratio OURS_STEP SDK_STEP; a step at or below 0.05 s is noise (the machine was busier in that round)
  if [[ $1 == - || $2 == - ]]; then echo -
  elif (( $(echo "$2 <= 0.05" | bc) )); then echo "n/a (SDK step ≤ 0: noise)"
  elif (( $(echo "$1 <= 0.05" | bc) )); then echo "n/a (our step ≤ 0: noise)"
  else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi
}

# ---------------------------------------------------------------------------------------------------
# services: three services of one solution, cold. `-m` over the solution against the three projects
# published one after the other (one cache for the three, as one CI machine would), per tool.
SERVICES_TEXT=
write_services() {  # write_services DIR VARIANT
  local dir=$1 variant=$2 ref= image= i
  [[ $variant == ours ]] && { ref=$OURS_REF; image='<ContainerImage>true</ContainerImage>'; }
  [[ $variant == sdk ]] && image='<EnableSdkContainerSupport>true</EnableSdkContainerSupport>'
  mkdir -p "$dir/Shared"
  printf '<configuration><packageSources><add key="bench" value="%s" /></packageSources></configuration>\n' "$WORK/feed" > "$dir/nuget.config"
  echo '<Project><PropertyGroup><PathMap>$(MSBuildThisFileDirectory)=/src/</PathMap></PropertyGroup></Project>' > "$dir/Directory.Build.props"
  echo '<Project />' > "$dir/Directory.Build.targets"
  echo '<Project><PropertyGroup><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup></Project>' > "$dir/Directory.Packages.props"
  echo '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>' > "$dir/Shared/Shared.csproj"
  echo 'namespace Shared { public static class Greeter { public static string Hello(string who) => "hello from " + who; } }' > "$dir/Shared/Greeter.cs"
  (cd "$dir" && dotnet new sln -n Services --format slnx >/dev/null)
  for i in 1 2 3; do
    mkdir -p "$dir/Svc$i"
    cat > "$dir/Svc$i/Svc$i.csproj" <<X
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings>
    <RuntimeIdentifier>linux-x64</RuntimeIdentifier><SelfContained>false</SelfContained>
    $image<ContainerRepository>\$(BenchPrefix)/svc$i</ContainerRepository></PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Newtonsoft.Json" Version="13.0.3" />
    $ref
    <ProjectReference Include="../Shared/Shared.csproj" />
  </ItemGroup>
</Project>
X
    echo "Console.WriteLine(Shared.Greeter.Hello(\"svc$i\") + Newtonsoft.Json.JsonConvert.SerializeObject($i));" > "$dir/Svc$i/Program.cs"
  done
  (cd "$dir" && dotnet sln Services.slnx add Shared/Shared.csproj Svc1/Svc1.csproj Svc2/Svc2.csproj Svc3/Svc3.csproj >/dev/null)
}
services_round() {  # services_round TOOL MODE RUN: one cold publish of the three services; appends "tool mode run seconds"
  local tool=$1 mode=$2 run=$3 dir=$WORK/services/$1 prefix="bench/services-$1-$2-$3" s e i logf=$WORK/logs/services-$1-$2-$3.log
  local args=(-c Release -nodeReuse:false "-p:BenchPrefix=$prefix")
  [[ $tool == plain ]] || args+=("-p:ContainerRegistry=$REG" "-p:ContainerBaseImage=$REG/dotnet/runtime:10.0" -p:ContainerImageTag=bench)
  [[ $tool == ours ]] && args+=("-p:ContainerBlobCachePath=$WORK/cache/fresh/blobs")
  [[ $tool == sdk ]] && args+=(-t:PublishContainer)   # projects without EnableSdkContainerSupport (the library) skip it
  rm -rf "$WORK/cache/fresh"; mkdir -p "$WORK/cache/fresh/xdg"
  for i in Shared Svc1 Svc2 Svc3; do rm -rf "$dir/$i/bin" "$dir/$i/obj"; done
  s=$(date +%s%N)
  if [[ $mode == solution ]]; then
    (cd "$dir" && XDG_CACHE_HOME=$WORK/cache/fresh/xdg dotnet publish Services.slnx -m "${args[@]}") >"$logf" 2>&1 || { tail -n 30 "$logf" >&2; die "services $tool $mode $run failed (log $logf)"; }
  else
    for i in 1 2 3; do
      (cd "$dir" && XDG_CACHE_HOME=$WORK/cache/fresh/xdg dotnet publish "Svc$i" "${args[@]}") >>"$logf" 2>&1 || { tail -n 30 "$logf" >&2; die "services $tool $mode $run failed (log $logf)"; }
    done
  fi
  e=$(date +%s%N)
  if [[ $tool != plain ]]; then
    for i in 1 2 3; do
      curl -sfI -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
        "http://$REG/v2/$prefix/svc$i/manifests/bench" >/dev/null || die "services $tool $mode $run: no image $prefix/svc$i:bench"
    done
  fi
  printf '%s\t%s\t%s\t%s\n' "$tool" "$mode" "$run" "$(echo "scale=3; ($e - $s) / 1000000000" | bc)" >> "$WORK/services.tsv"
  say "services $tool $mode run $run: $(tail -1 "$WORK/services.tsv" | cut -f4) s"
}
if has "$APPS" services; then
  say "== services (three services of one solution, cold)"
  : > "$WORK/services.tsv"
  for t in ours sdk plain; do write_services "$WORK/services/$t" "$t"; done
  for r in $(seq 0 "$RUNS"); do
    for t in ours sdk plain; do for m in solution onebyone; do services_round "$t" "$m" "$r"; done; done
  done
  svc() { awk -F'\t' -v t="$1" -v m="$2" '$1 == t && $2 == m && $3 ~ /^[1-9][0-9]*$/ {print $4}' "$WORK/services.tsv" | median; }
  svc_step() {  # median over rounds of (tool - plain) for one mode
    awk -F'\t' -v t="$1" -v m="$2" '$2 == m && $3 ~ /^[1-9][0-9]*$/ && ($1 == t || $1 == "plain") {v[$3, $1] = $4; r[$3] = 1}
      END {for (i in r) if ((i, t) in v && (i, "plain") in v) print v[i, t] - v[i, "plain"]}' "$WORK/services.tsv" | median
  }
  SERVICES_TEXT=$(
    echo "| tool | -m over the solution s | one by one s | -m / one by one | image step -m | image step one by one |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for t in ours sdk plain; do
      a=$(svc "$t" solution) b=$(svc "$t" onebyone)
      printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$(fmt "$a")" "$(fmt "$b")" "$(ratio "$a" "$b")" \
        "$( [[ $t == plain ]] && echo - || fmt "$(svc_step "$t" solution)")" "$( [[ $t == plain ]] && echo - || fmt "$(svc_step "$t" onebyone)")"
    done
    echo
    echo "ours/SDK, -m over the solution: $(ratio "$(svc ours solution)" "$(svc sdk solution)") (whole publish), $(ratio "$(svc_step ours solution)" "$(svc_step sdk solution)") (image step)"
  )
  rm -rf "$WORK/cache/fresh"
fi

# ---------------------------------------------------------------------------------------------------
# off: what referencing the package costs a `dotnet build` that makes no image (ContainerImage unset).
OFF_TEXT=
if has "$APPS" off; then
  say "== off (dotnet build, package referenced, ContainerImage unset)"
  for t in ours plain; do write_tree "$WORK/off/$t" console "$t"; done
  : > "$WORK/off.tsv"
  for r in $(seq 0 "$RUNS"); do
    for t in ours plain; do
      for kind in full nochange; do
        dir=$WORK/off/$t logf=$WORK/logs/off-$t-$kind-$r.log
        [[ $kind == full ]] && rm -rf "$dir"/App/bin "$dir"/App/obj "$dir"/Greeting/bin "$dir"/Greeting/obj
        s=$(date +%s%N)
        (cd "$dir" && dotnet build App -c Release -nodeReuse:false -clp:PerformanceSummary) >"$logf" 2>&1 || { tail -n 30 "$logf" >&2; die "off $t $kind $r failed"; }
        e=$(date +%s%N)
        ms=$(awk '/Target Performance Summary:/ {m=1; next} /Task Performance Summary:/ {m=0} m && /^ *[0-9]+ ms / && $3 ~ /^_?Oci/ {sum += $1} END {print sum + 0}' "$logf")
        printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$kind" "$r" "$(echo "scale=3; ($e - $s) / 1000000000" | bc)" "$ms" >> "$WORK/off.tsv"
      done
    done
  done
  offm() { awk -F'\t' -v t="$1" -v k="$2" -v f="$3" '$1 == t && $2 == k && $3 ~ /^[1-9][0-9]*$/ {print $f}' "$WORK/off.tsv" | median; }
  OFF_TEXT=$(
    echo "| build | with the package s | without s | with / without | time in OciMsBuild targets (ms, -clp:PerformanceSummary) |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for kind in full nochange; do
      a=$(offm ours "$kind" 4) b=$(offm plain "$kind" 4)
      printf '| %s | %s | %s | %s | %s |\n' "$kind" "$(fmt "$a")" "$(fmt "$b")" "$(ratio "$a" "$b")" "$(offm ours "$kind" 5)"
    done
  )
fi

TABLE=$WORK/table.md
{
  echo "## OciMsBuild vs .NET SDK container publish — RUNS=$RUNS (median after 1 warm-up), $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, SDK $(dotnet --version)"
  echo
  echo "| app | scenario | ours s | SDK s | plain s | image step ours | image step SDK | ours/SDK | registry grew (ours) | blobs uploaded ours / SDK | requests ours / SDK | peak RSS MB ours / SDK / plain | same digest ours / SDK |"
  echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |"
  for c in "${CASES[@]}"; do
    [[ $c == grow* ]] && continue
    for s in $(scenarios_of "$c"); do
      o=$(med "$c" "$s" ours 5) k=$(med "$c" "$s" sdk 5) p=$(med "$c" "$s" plain 5)
      so=$(step "$c" "$s" ours) sk=$(step "$c" "$s" sdk)
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s %s / %s %s | %s / %s | %s / %s / %s | %s / %s |\n' \
        "$c" "$s" "$(fmt "$o")" "$(fmt "$k")" "$(fmt "$p")" "$(fmt "$so")" "$(fmt "$sk")" "$(ratio "$so" "$sk")" \
        "$(human "$(med "$c" "$s" ours 10)")" \
        "$(med "$c" "$s" ours 8)" "($(human "$(med "$c" "$s" ours 9)"))" "$(med "$c" "$s" sdk 8)" "($(human "$(med "$c" "$s" sdk 9)"))" \
        "$(med "$c" "$s" ours 7)" "$(med "$c" "$s" sdk 7)" \
        "$(mb "$(med "$c" "$s" ours 6)")" "$(mb "$(med "$c" "$s" sdk 6)")" "$(mb "$(med "$c" "$s" plain 6)")" \
        "$(same_digest "$c" "$s" ours)" "$(same_digest "$c" "$s" sdk)"
    done
  done
  if [[ " ${CASES[*]}" == *" grow"* ]]; then
    echo
    echo "### Growth: the console app with extra content files (ours only)"
    echo
    echo "| extra content | scenario | ours s | plain s | image step ours | peak RSS MB ours / plain | registry grew | blobs uploaded | same digest |"
    echo "| ---: | --- | ---: | ---: | ---: | --- | ---: | --- | --- |"
    for c in "${CASES[@]}"; do
      [[ $c == grow* ]] || continue
      for s in $(scenarios_of "$c"); do
        printf '| %s MB | %s | %s | %s | %s | %s / %s | %s | %s (%s) | %s |\n' "${c#grow}" "$s" \
          "$(fmt "$(med "$c" "$s" ours 5)")" "$(fmt "$(med "$c" "$s" plain 5)")" "$(fmt "$(step "$c" "$s" ours)")" \
          "$(mb "$(med "$c" "$s" ours 6)")" "$(mb "$(med "$c" "$s" plain 6)")" "$(human "$(med "$c" "$s" ours 10)")" \
          "$(med "$c" "$s" ours 8)" "$(human "$(med "$c" "$s" ours 9)")" "$(same_digest "$c" "$s" ours)"
      done
    done
  fi
} > "$TABLE"

# ---------------------------------------------------------------------------------------------------
# Issue 11's targets, per row. Blob checks look at every measured run (not the median).
runs_of() { awk -F'\t' -v c="$1" -v s="$2" -v t="$3" '$1 == c && $2 == s && $3 == t && $4 ~ /^[1-9][0-9]*$/ {print $4}' "$RESULTS"; }
layer_digests() {  # layer_digests SUMMARY KIND-REGEX -> hex digests of our layers of those kinds
  jq -r --arg k "$2" '[.layers[]?, .platforms[]?.layers[]] | .[] | select(.kind | test("^(" + $k + ")$")) | .digest[7:]' "$1" | sort -u
}
config_digests() { jq -r '[.configDigest, .platforms[]?.configDigest] | .[] | select(. != null) | .[7:]' "$1" | sort -u; }
attestation_blobs() {  # attestation_blobs REPO DIGEST -> hex digests of the artifacts (SBOM, provenance) attached to the image
  local idx m
  idx=$(curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/$1/referrers/$2" 2>/dev/null) \
    || idx=$(curl -sf -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$REG/v2/$1/manifests/sha256-${2#sha256:}" 2>/dev/null) || return 0
  for m in $(jq -r '.manifests[]?.digest' <<<"$idx"); do
    curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/$1/manifests/$m" | jq -r '[.config.digest, .layers[]?.digest] | .[] | .[7:]'
  done | sort -u
}
verdict() {  # verdict OK TEXT
  if [[ $1 == 1 ]]; then echo "holds ($2)"; elif [[ $1 == 0 ]]; then echo "**misses** ($2)"; else echo "not measurable ($2)"; fi
}
x() {  # a ratio with its ×, or the reason there is none
  if [[ $1 =~ ^[0-9.]+$ ]]; then echo "$1×"; else local r=${1#n/a (}; echo "${r%)}"; fi
}
le() { [[ $1 == - || $1 == n/a* ]] && echo - || { (( $(echo "$1 <= $2" | bc) )) && echo 1 || echo 0; }; }
{
  echo
  echo "### Issue 11 targets (image step = publish with image − plain publish of the same round)"
  echo
  echo "| app | scenario | target | verdict |"
  echo "| --- | --- | --- | --- |"
  for c in "${CASES[@]}"; do
    [[ $c == grow* ]] && continue
    for s in $(scenarios_of "$c"); do
      rt=$(ratio "$(step "$c" "$s" ours)" "$(step "$c" "$s" sdk)")
      case $s in
        cold)   echo "| $c | cold | step ≤ 0.7× SDK's | $(verdict "$(le "$rt" 0.7)" "$(x "$rt")") |" ;;
        newapp) echo "| $c | newapp | step ≤ 0.3× SDK's | $(verdict "$(le "$rt" 0.3)" "$(x "$rt")") |"
                if [[ $c != web ]]; then
                  ok=1 why=
                  for r in $(runs_of "$c" newapp ours); do
                    hit=$(comm -12 <(layer_digests "$WORK/runs/$c-newapp-ours-$r.summary.json" runtime) "$WORK/runs/$c-newapp-ours-$r.uploaded" | wc -l)
                    ((hit == 0)) || { ok=0; why="run $r uploaded $hit runtime layer(s)"; }
                  done
                  echo "| $c | newapp | 0 bytes of the runtime layer uploaded | $(verdict $ok "${why:-no runtime layer uploaded}") |"
                fi ;;
        nochange)
                b=$(col "$c" nochange ours 9 | sort -n | tail -1)
                echo "| $c | nochange | step ≤ 0.15× SDK's, 0 bytes uploaded, same digest | $(verdict "$( [[ $(le "$rt" 0.15) == 1 && $b == 0 && $(same_digest "$c" nochange ours) == yes ]] && echo 1 || echo 0)" "$(x "$rt"), max $b bytes uploaded, same digest: $(same_digest "$c" nochange ours)") |" ;;
        edit)   ok=1 why= att=0
                for r in $(runs_of "$c" edit ours); do
                  sm=$WORK/runs/$c-edit-ours-$r.summary.json
                  # The image's own blobs; the SBOM and provenance attached to it are counted apart.
                  comm -23 "$WORK/runs/$c-edit-ours-$r.uploaded" <(sort -u <(layer_digests "$sm" app) <(config_digests "$sm")) > "$WORK/runs/$c-edit-ours-$r.extra"
                  n_att=$(comm -12 "$WORK/runs/$c-edit-ours-$r.extra" <(attestation_blobs "bench/$c-edit-ours" "$(jq -r .digest "$sm")") | wc -l)
                  extra=$(( $(wc -l < "$WORK/runs/$c-edit-ours-$r.extra") - n_att )); att=$((att > n_att ? att : n_att))
                  ((extra == 0)) || { ok=0; why="run $r uploaded $extra blob(s) besides the app layer, config and attestations"; }
                done
                ((ok == 0)) || why="yes; plus up to $att attestation blob(s) (SBOM, provenance) per run" 
                echo "| $c | edit | step ≤ 0.5× SDK's | $(verdict "$(le "$rt" 0.5)" "$(x "$rt")") |"
                echo "| $c | edit | only the app layer, config and manifest uploaded | $(verdict $ok "${why:-yes}") |" ;;
        ci)     b=$(col "$c" ci ours 9 | sort -n | tail -1)
                echo "| $c | ci | 0 blob bytes uploaded | $(verdict "$( [[ $b == 0 ]] && echo 1 || echo 0)" "max $b bytes in a run") |" ;;
      esac
    done
  done
  if [[ " ${CASES[*]}" == *" grow"* ]]; then
    for s in cold nochange; do
      v=$(for c in "${CASES[@]}"; do [[ $c == grow* ]] && col "$c" "$s" ours 6 | median; done | { grep -v '^-$' || true; } | sort -n)
      [[ -n $v ]] || continue
      spread=$(( ($(tail -1 <<<"$v") - $(head -1 <<<"$v")) / 1024 ))
      echo "| growth $GROWTH_MB MB | $s | peak memory within 50 MB across sizes | $(verdict "$( ((spread <= 50)) && echo 1 || echo 0)" "spread $spread MB") |"
    done
  fi
  if [[ -n $SERVICES_TEXT ]]; then
    echo
    echo "### Three services of one solution, cold (median of RUNS)"
    echo
    echo "$SERVICES_TEXT"
  fi
  if [[ -n $OFF_TEXT ]]; then
    echo
    echo "### Quiet when off: dotnet build of the console app, ContainerImage unset (median of RUNS)"
    echo
    echo "$OFF_TEXT"
  fi
  if [[ -n $PERF_TEXT ]]; then
    echo
    echo "### Where a cold console publish spends its time"
    echo
    echo '```text'
    echo "$PERF_TEXT"
    echo '```'
  fi
} >> "$TABLE"

mkdir -p "$OUTDIR"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
cp "$TABLE" "$OUTDIR/results-$STAMP.md"; cp "$RESULTS" "$OUTDIR/results-$STAMP.tsv"
cat "$TABLE"
say "done in $(clock); table and raw runs (TSV: case scenario tool run seconds maxrss_kb requests uploaded_blobs uploaded_bytes registry_growth digest sdk_store_bytes) in $OUTDIR/results-$STAMP.{md,tsv}"
