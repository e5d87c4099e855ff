# Start of the tests/release scripts (sourced): strict mode, arguments DEV_VENV TARBALL, paths;
# away from the Makefile's settings for the source tree (these scripts test the built tarball).
set -euo pipefail
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH
dev_venv="${1:?usage: $(basename "$0") DEV_VENV TARBALL}"
tarball="$(realpath "${2:?usage: $(basename "$0") DEV_VENV TARBALL}")"
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
