#!/usr/bin/env bash
# Installs the system packages renkei uses beyond Python: a Japanese font
# for charts and PDF, Pango for WeasyPrint, GnuPG, libmagic, unar (lists RAR
# attachments), poppler (PDF to PNG in tests) and Debian's Chromium for the
# browser tests.
# With --optional (make run) a missing package is reported, never fatal.
set -u
optional=0
[ "${1:-}" = "--optional" ] && optional=1

packages=(fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 gnupg libmagic1 unar poppler-utils chromium)
# In CI only: a real IMAP server for the fetchmail tests, which start a private
# instance of it. On a workstation the package would also start a system-wide
# IMAP service, so there the tests skip and say what to install.
[ "${CI:-}" = "true" ] && packages+=(dovecot-imapd)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "renkei: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    exit 0
  fi
  echo "renkei: apt-get could not install: ${missing[*]}" >&2
else
  echo "renkei: missing system packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install ${missing[*]}" >&2
fi
echo "  without them: PDF reports fall back to a warning (no Japanese font / Pango)," >&2
echo "  PGP signing needs gnupg, RAR attachments are recorded without their contents" >&2
echo "  (no unar), and browser tests skip (they fail when CI=true)." >&2
[ $optional -eq 1 ] && exit 0
# Tests can still run: the ones that need a missing tool skip with a reason.
exit 0
