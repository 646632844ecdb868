#!/usr/bin/env bash
# Vendor the front-end static files Samraad needs (DKFDS + htmx) into static/vendor/.
# Repeatable/idempotent: deletes and recreates static/vendor/ on every run.
# Needs: npm (registry access), tar, sed, grep. Runs from any directory.
set -euo pipefail

DKFDS_VERSION="11.2.0"
HTMX_VERSION="2.0.11"

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "${SCRIPT_DIR}/.." && pwd)"
VENDOR="${REPO_ROOT}/static/vendor"

TMP="$(mktemp -d)"
trap 'rm -rf -- "${TMP}"' EXIT

copy() { # copy SRC DEST (creating parent dirs) and report it
    mkdir -p -- "$(dirname -- "$2")"
    cp -- "$1" "$2"
    printf '  %8s  %s\n' "$(wc -c <"$2")" "${2#"${REPO_ROOT}"/}"
}

echo "Fetching dkfds@${DKFDS_VERSION} and htmx.org@${HTMX_VERSION} with npm pack ..."
(
    cd "${TMP}"
    npm pack --silent "dkfds@${DKFDS_VERSION}" >/dev/null
    npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
)
mkdir -p "${TMP}/dkfds" "${TMP}/htmx"
tar -xzf "${TMP}/dkfds-${DKFDS_VERSION}.tgz" -C "${TMP}/dkfds"
tar -xzf "${TMP}/htmx.org-${HTMX_VERSION}.tgz" -C "${TMP}/htmx"
DK="${TMP}/dkfds/package/dist"
HX="${TMP}/htmx/package"
CSS="${DK}/css/dkfds.min.css"
JS="${DK}/js/dkfds.min.js"

# Every asset the CSS references via url(...), relative to css/
# (e.g. ../fonts/IBMPlexSans/complete/woff2/X.woff2, ../img/svg-icons/close.svg).
mapfile -t REFS < <(grep -oE 'url\([^)]*\)' "${CSS}" \
    | sed -E 's/^url\(["'\'']?//; s/["'\'']?\)$//' \
    | grep -E '^\.\./' | sort -u)

# --- Patch the (temp) CSS/JS before copying -----------------------------------
# 1. The CSS lists eot/woff/ttf fallbacks next to the woff2 (for Regular even
#    *before* the woff2). We ship woff2 only, so trim every @font-face src list to
#    its woff2 entry: no failing font requests in browsers, and Django's
#    ManifestStaticFilesStorage (whitenoise) does not abort collectstatic on the
#    missing files.
sed -E -i \
    -e 's#,?url\(\.\./fonts/[^)]*\.(eot|woff|ttf)\)( format\("[^"]*"\))?##g' \
    -e 's#src:,#src:#g' \
    "${CSS}"
if grep -qE 'url\(\.\./fonts/[^)]*\.(eot|woff|ttf)\)|src:[;}]' "${CSS}"; then
    echo "Trimming @font-face src lists failed" >&2; exit 1
fi
# 2. Source maps are not vendored: drop the sourceMappingURL comments (dangling
#    references also make ManifestStaticFilesStorage fail).
sed -E -i '/^\/[*\/]# sourceMappingURL=/d' "${CSS}" "${JS}"
if grep -q 'sourceMappingURL' "${CSS}" "${JS}"; then
    echo "Removing sourceMappingURL failed" >&2; exit 1
fi

rm -rf -- "${VENDOR}"
mkdir -p -- "${VENDOR}"
echo "Copying into ${VENDOR#"${REPO_ROOT}"/}/ :"
echo "  (dkfds.min.css: @font-face src trimmed to woff2; css/js: sourceMappingURL removed)"

# --- DKFDS ------------------------------------------------------------------
D="${VENDOR}/dkfds"
copy "${CSS}" "${D}/css/dkfds.min.css"
copy "${JS}" "${D}/js/dkfds.min.js"
copy "${TMP}/dkfds/package/LICENSE.md" "${D}/LICENSE"

# Fonts (woff2 only) and images referenced by the CSS, at the same relative path.
for ref in "${REFS[@]}"; do
    rel="${ref#../}"
    case "${rel}" in
        fonts/*.woff2) ;;
        fonts/*) continue ;;            # eot/woff/ttf fallbacks: not vendored
        img/*) ;;
        *) echo "Unexpected url() in CSS: ${ref}" >&2; exit 1 ;;
    esac
    copy "${DK}/${rel}" "${D}/${rel}"
done
# IBM Plex is SIL OFL-1.1: the licence must travel with the fonts.
copy "${DK}/fonts/IBMPlexSans/complete/woff2/license.txt" \
     "${D}/fonts/IBMPlexSans/complete/woff2/license.txt"
# SVG sprite for icons in template markup:
#   <svg class="icon-svg" focusable="false" aria-hidden="true"><use href="{% static 'vendor/dkfds/img/all-svg-icons.svg' %}#close"></use></svg>
copy "${DK}/img/all-svg-icons.svg" "${D}/img/all-svg-icons.svg"

# --- htmx -------------------------------------------------------------------
copy "${HX}/dist/htmx.min.js" "${VENDOR}/htmx/htmx.min.js"
copy "${HX}/LICENSE" "${VENDOR}/htmx/LICENSE"

echo "Files: $(find "${VENDOR}" -type f | wc -l)"
echo "Total: $(du -sh --apparent-size "${VENDOR}" | cut -f1) (apparent), $(du -sh "${VENDOR}" | cut -f1) on disk"
