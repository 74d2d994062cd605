#!/bin/sh
# Build-time, as root, in both stages of docker/Dockerfile: write /etc/apk/repositories and trust
# the signing keys of extra repositories.
#
#   apk-repositories.sh MIRROR "EXTRA_REPOSITORIES" KEYS_DIR
#
# MIRROR              base URL of an Alpine mirror (https://dl-cdn.alpinelinux.org/alpine or a
#                     private copy of it); the branch (v3.22) is taken from the base image's
#                     /etc/alpine-release, so the repositories always match the image's release.
# EXTRA_REPOSITORIES  whitespace-separated repository URLs (or absolute paths), appended in order
#                     after main and community.
# KEYS_DIR            its *.rsa.pub files go to /etc/apk/keys, root-owned, mode 0644: the public
#                     keys the extra repositories' indexes are signed with (apk looks a key up by
#                     its file name, so keep the names the repository's signer uses).
#
# The file written here is the one list of repositories: write-config.py turns it into the
# privileged helper's policy and JupyterLab's overrides.json, and the server configuration reads
# that policy. APK_CONFIG_ROOT (default: empty, i.e. /) prefixes every path, for trying it out.
set -eu

die() {
  echo "apk-repositories.sh: $*" >&2
  exit 1
}

[ "$#" -ge 1 ] || die "usage: apk-repositories.sh MIRROR [EXTRA_REPOSITORIES [KEYS_DIR]]"
mirror=${1%/}
extra=${2-}
keys=${3-}
root=${APK_CONFIG_ROOT-}

# The same rules as jupyterlab_apk.policy.check_repository_url: an http(s) URL with a host, a
# file:/// URL or an absolute path. Nothing that apk could read as an option.
check_url() {
  case $1 in
    https://?* | http://?* | file:///* | /*) ;;
    *) die "repository '$1' is not an absolute path or an http://, https:// or file:/// URL" ;;
  esac
  case $1 in
    *[\"\'\\]*) die "repository '$1' contains a quote or a backslash" ;;
  esac
}

release=$(cut -d. -f1,2 "$root/etc/alpine-release")
case $release in
  [0-9]*.[0-9]*) ;;
  *) die "cannot tell the Alpine release from /etc/alpine-release ('$release')" ;;
esac
check_url "$mirror"

new=$root/etc/apk/repositories.new
{
  printf '%s/v%s/main\n' "$mirror" "$release"
  printf '%s/v%s/community\n' "$mirror" "$release"
  set -f # split EXTRA_REPOSITORIES on whitespace, but never expand a glob in it
  for url in $extra; do
    check_url "$url"
    printf '%s\n' "${url%/}"
  done
  set +f
} >"$new"

if [ -n "$keys" ] && [ -d "$keys" ]; then
  for key in "$keys"/*.rsa.pub; do
    [ -f "$key" ] || continue
    name=${key##*/}
    case $name in
      *[!A-Za-z0-9._@+-]*) die "refusing key file name '$name'" ;;
    esac
    install -o root -g root -m 0644 "$key" "$root/etc/apk/keys/$name"
    echo "apk-repositories.sh: trusting $name"
  done
fi

mv "$new" "$root/etc/apk/repositories"
echo "apk-repositories.sh: $root/etc/apk/repositories:"
cat "$root/etc/apk/repositories"
