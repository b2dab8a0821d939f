# Shared by scripts/demo and scripts/test: Go on PATH, dependencies installed from the lock file.
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$repo/bin:$PATH:/usr/local/go/bin"

ensure_node_modules() {
  # npm ci only when package-lock.json changed since the last install (fast re-runs).
  local stamp=$repo/node_modules/.installed-lock.sha256 want
  want=$(sha256sum "$repo/package-lock.json" | cut -d' ' -f1)
  if [[ $(cat "$stamp" 2>/dev/null) != "$want" ]]; then
    (cd "$repo" && npm ci --no-audit --no-fund)
    echo "$want" >"$stamp"
  fi
}

host_platform() { # krew's os_arch of this machine, as scripts/package.mjs names its folders
  local arch; arch=$(uname -m)
  case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
  echo "$(uname -s | tr '[:upper:]' '[:lower:]')_$arch"
}
