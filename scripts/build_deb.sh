#!/usr/bin/env bash
# build_deb.sh: builds the Debian packages into build/deb with Debian's own tools (dpkg-deb,
# dpkg-shlibdeps, lintian), from the release flavour, without debhelper:
#   cca_VERSION_ARCH.deb                   the client: /usr/bin/cca, /usr/share/cca (prompts,
#                                          themes, help, WordNet table, sample knowledge base),
#                                          the man page, /etc/cca/config.ini (a conffile)
#   cca-vector-fallback_VERSION_ARCH.deb   the cca_vector extension (db/vector, built with PGXS)
#                                          for the postgresql-NN server pg_config names, so a
#                                          database server can have it without the client
# VERSION is VERSION's text with Debian revision -1 and must match packaging/debian/changelog.
# The runtime dependencies are those of the linked libraries (dpkg-shlibdeps) plus the data
# the program reads (wordnet-base). Then lintian checks both (installed through
# scripts/deps.sh when missing: a build-time tool only `make deb` installs); errors fail the
# build, warnings are listed. LINTIAN=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
pkgdir=packaging/debian
version="$(cat VERSION)-1"
changelog_version=$(dpkg-parsechangelog -l "$pkgdir/changelog" -S Version)
[ "$changelog_version" = "$version" ] || {
    echo "build_deb: VERSION says $version, $pkgdir/changelog says $changelog_version" >&2
    exit 1
}
arch=$(dpkg --print-architecture)
out=build/deb
stage=$out/stage
rm -rf "$out"
mkdir -p "$stage"
maintainer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$pkgdir/changelog" | head -1)

# Owner root, directories 0755, files 0644, programs 0755: what dpkg-deb packs, whatever the
# umask of the build was.
normalise() {
    find "$1" -type d -exec chmod 755 {} +
    find "$1" -type f -exec chmod 644 {} +
}

# The package's documentation: copyright and the compressed changelog.
add_doc() {
    install -d "$1/usr/share/doc/$2"
    install -m 644 "$pkgdir/copyright" "$1/usr/share/doc/$2/copyright"
    gzip -9n <"$pkgdir/changelog" >"$1/usr/share/doc/$2/changelog.Debian.gz"
}

# shlibs:Depends of the ELF files given, through dpkg-shlibdeps (which wants a debian/control).
shlib_depends() {
    local work=$top/$stage/shlibdeps
    rm -rf "$work" && mkdir -p "$work/debian"
    printf 'Source: cca\n\nPackage: cca\nArchitecture: any\n' >"$work/debian/control"
    local abs=()
    for f in "$@"; do abs+=("-e$top/$f"); done
    (cd "$work" && dpkg-shlibdeps -O "${abs[@]}" 2>"$work/warnings") |
        sed -n 's/^shlibs:Depends=//p'
    grep -v 'binaries to analyze should already be' "$work/warnings" >&2 || true
}

# control file, md5sums (conffiles excluded, as dh_md5sums does), then dpkg-deb.
pack() {
    local root=$1 name=$2 depends=$3 section=$4 description=$5
    local size
    size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
    install -d -m 755 "$root/DEBIAN"
    {
        printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\n' \
            "$name" "$version" "$arch" "$maintainer"
        printf 'Installed-Size: %s\nDepends: %s\n' "$size" "$depends"
        [ -z "${6:-}" ] || printf '%s\n' "$6"
        printf 'Section: %s\nPriority: optional\n' "$section"
        printf 'Description: %s\n' "$description"
    } >"$root/DEBIAN/control"
    if [ -d "$root/etc" ]; then
        (cd "$root" && find etc -type f -printf '/%p\n' | sort) >"$root/DEBIAN/conffiles"
    fi
    (cd "$root" && find . -type f ! -path './DEBIAN/*' ! -path './etc/*' -printf '%P\0' |
        sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
    chmod 644 "$root"/DEBIAN/*
    dpkg-deb --root-owner-group -Zxz --build "$root" "$out/${name}_${version}_${arch}.deb" >/dev/null
    echo "built $out/${name}_${version}_${arch}.deb"
}

# --- cca -----------------------------------------------------------------------------------
root=$stage/cca
make -s --no-print-directory FLAVOR=release install DESTDIR="$top/$root" PREFIX=/usr >/dev/null
normalise "$root"
chmod 755 "$root/usr/bin/cca"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/cca"
gzip -9n "$root/usr/share/man/man1/cca.1"
install -d "$root/etc/cca"
install -m 644 "$pkgdir/config.ini" "$root/etc/cca/config.ini"
add_doc "$root" cca
depends=$(shlib_depends "$root/usr/bin/cca")
[ -n "$depends" ] || { echo "build_deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
pack "$root" cca "$depends, wordnet-base" misc \
    "terminal assistant for a company's learning content
 CCA, the Contextual Corporate Assistant, is a full-screen terminal
 application in which employees ask questions of their company's learning
 content and get answers that cite their sources, follow courses and take
 assessments. It keeps everything in PostgreSQL (row-level security: each
 employee connects as their own database role) and works offline with a
 local embedder, or with any OpenAI-compatible language model.
 .
 The database server needs pgvector or the cca-vector-fallback package." \
    "Suggests: cca-vector-fallback, postgresql-client"

# --- cca-vector-fallback --------------------------------------------------------------------
pgmajor=$(pg_config --version | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
vroot=$stage/vector
make -s -C db/vector >/dev/null
make -s -C db/vector install DESTDIR="$top/$vroot" >/dev/null
normalise "$vroot"
so=$(cd "$vroot" && find . -name 'cca_vector.so' -printf '%P\n')
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$vroot/$so"
add_doc "$vroot" cca-vector-fallback
install -m 644 db/vector/README.md "$vroot/usr/share/doc/cca-vector-fallback/README.md"
vdepends=$(shlib_depends "$vroot/$so")
pack "$vroot" cca-vector-fallback "$vdepends, postgresql-$pgmajor" database \
    "pgvector-compatible vector type for CCA on PostgreSQL $pgmajor
 The cca_vector extension: a vector type, its distance operators and casts,
 compatible with pgvector's for what CCA uses, searching exactly (no index).
 Install it on a PostgreSQL $pgmajor server that has no pgvector; CCA's
 migrations then create it (CREATE EXTENSION cca_vector)."

rm -rf "$stage"

# --- lintian -------------------------------------------------------------------------------
[ "${LINTIAN:-1}" = 0 ] && exit 0
command -v lintian >/dev/null 2>&1 || scripts/deps.sh lintian
# Errors fail; warnings and the rest are listed (build/deb/lintian.txt).
lintian --fail-on error --display-info "$out"/*.deb >"$out/lintian.txt" 2>&1 || {
    cat "$out/lintian.txt" >&2
    echo "build_deb: lintian found errors" >&2
    exit 1
}
echo "lintian: no errors ($(grep -c '^W: ' "$out/lintian.txt" || true) warnings," \
    "$(grep -c '^I: ' "$out/lintian.txt" || true) notes; $out/lintian.txt)"
