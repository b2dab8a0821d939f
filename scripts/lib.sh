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

# Timed phases (scripts/test): `phase NAME COMMAND...` runs COMMAND and records how long it took;
# `report_phases` (on EXIT) prints them, the one running when something failed marked as such.
phase_names=() phase_seconds=() phase_running="" phase_t0=$SECONDS
phase() {
  phase_running=$1 phase_start=$SECONDS; shift
  "$@"
  phase_names+=("$phase_running"); phase_seconds+=($((SECONDS - phase_start))); phase_running=""
}
minutes() { local s=$1; if ((s >= 60)); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi; }
report_phases() {
  local rc=$? i
  printf '\ntime per phase (total %s):\n' "$(minutes $((SECONDS - phase_t0)))" >&2
  for i in "${!phase_names[@]}"; do printf '  %-12s %8s\n' "${phase_names[$i]}" "$(minutes "${phase_seconds[$i]}")" >&2; done
  [[ -n $phase_running ]] && printf '  %-12s %8s  (failed)\n' "$phase_running" "$(minutes $((SECONDS - phase_start)))" >&2
  return "$rc"
}
