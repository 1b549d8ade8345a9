#!/usr/bin/env bash
# Installs the toolchain rust-toolchain.toml names, with its targets and components.
# A machine may carry a stripped copy of that toolchain whose cached manifest rustup
# cannot extend ("component 'rust-std' for target ... is unavailable"): reinstall then.
set -euo pipefail
cd "$(dirname "$0")/.."
channel=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
targets=(thumbv6m-none-eabi thumbv7em-none-eabihf)
components=(clippy rustfmt llvm-tools)
install() {
    rustup toolchain install "$channel" --profile minimal \
        $(printf -- '-c %s ' "${components[@]}") $(printf -- '-t %s ' "${targets[@]}")
}
have_all() {
    local installed
    installed=$(rustup target list --installed --toolchain "$channel" 2>/dev/null) || return 1
    for t in "${targets[@]}"; do grep -qx "$t" <<<"$installed" || return 1; done
    rustup component list --installed --toolchain "$channel" 2>/dev/null | grep -q '^llvm-tools' || return 1
    rustup component list --installed --toolchain "$channel" 2>/dev/null | grep -q '^clippy' || return 1
    rustup component list --installed --toolchain "$channel" 2>/dev/null | grep -q '^rustfmt'
}
if have_all; then
    exit 0
fi
if ! install; then
    echo "toolchain.sh: reinstalling $channel from scratch" >&2
    rustup toolchain uninstall "$channel" || true
    install
fi
have_all
