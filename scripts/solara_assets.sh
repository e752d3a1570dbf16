#!/usr/bin/env bash
# Put the browser assets of the Solara page (sim/app) into Solara's CDN cache, from npm.
#
#   bash scripts/solara_assets.sh        # prints one line; ~0.1 s when the cache is complete
#
# Solara's server proxies the front-end files a page needs (the Vuetify app, requirejs,
# font-awesome, the widgets' JavaScript) from a public CDN that mirrors npm packages, and
# caches them under <.venv>/share/solara/cdn/. A machine that reaches the npm registry but not
# that CDN (CI, a classroom behind a proxy) would serve a blank page: this script fills the
# cache with the same packages, fetched with `npm pack`. The list is what solara 1.64 (pinned
# in uv.lock) asks for; a page that asks for more logs "Could not load URL" in the server log.
set -euo pipefail

PREFIX="solara_assets"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PY:-.venv/bin/python}"
PACKAGES=(
    "@widgetti/solara-vuetify3-app@5.2.0"
    "font-awesome@4.5.0"
    "requirejs@2.3.6"
    "vega@5=5.33.1"          # Solara asks for vega@5: cached under that name, fetched pinned
    "vega-lite@5=5.23.0"
    "vega-embed@6=6.29.0"
    "mermaid@10.8.0"
    "katex@0.16.9"
)

cache=$("$PY" -c 'import solara.server.settings as s; print(s.assets.proxy_cache_dir)')
missing=()
for entry in "${PACKAGES[@]}"; do  # NAME@RANGE[=EXACT]: the cache folder, the version fetched
    [ -d "$cache/${entry%%=*}" ] || missing+=("$entry")
done
if [ "${#missing[@]}" -eq 0 ]; then
    printf '%s: %d packages cached in %s\n' "$PREFIX" "${#PACKAGES[@]}" "$cache"
    exit 0
fi
if ! command -v npm >/dev/null; then
    printf '%s: npm is missing (needed to fetch %s); install Debian package npm\n' \
        "$PREFIX" "${missing[*]}" >&2
    exit 2
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for entry in "${missing[@]}"; do
    pkg="${entry%%=*}"
    spec="$pkg"
    [ "$entry" = "$pkg" ] || spec="${pkg%@*}@${entry#*=}"
    mkdir -p "$work/$pkg"
    if ! tarball=$(cd "$work" && npm pack --silent "$spec" 2>"$work/npm.log"); then
        printf '%s: ERROR: npm pack %s failed:\n' "$PREFIX" "$spec" >&2
        tail -n 5 "$work/npm.log" >&2
        exit 1
    fi
    tar -xzf "$work/$tarball" -C "$work/$pkg" --strip-components=1
    mkdir -p "$(dirname "$cache/$pkg")"
    rm -rf "$cache/$pkg"
    mv "$work/$pkg" "$cache/$pkg"  # the whole package appears at once
done
printf '%s: fetched %s into %s\n' "$PREFIX" "${missing[*]}" "$cache"
