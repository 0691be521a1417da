# Sourced by .ci/run, or by hand (`source scripts/node24.sh`): makes `node` on PATH Node 24, the line CI
# tests. The machine's node is used when it is 24. Otherwise the npm registry's node-linux-<arch>@24
# package (Node's own binary and its C headers) is installed into ~/.cache/switchboard/node-24 once, its
# bin goes first on PATH and npm_config_nodedir points at its headers, so that native modules
# (better-sqlite3) compile against the Node that will load them. npm itself stays the machine's.
switchboard_use_node24() {
  local want=24 arch dir pkg current
  current=$(node -p 'process.versions.node' 2>/dev/null || echo none)
  if [ "${current%%.*}" = "$want" ]; then
    echo "Node $current (the machine's)"
    return 0
  fi
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) arch= ;;
  esac
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/switchboard/node-$want"
  pkg="$dir/node_modules/node-linux-$arch"
  if [ -z "$arch" ] || [ "$(uname -s)" != Linux ]; then
    echo "Node $want is needed (found $current) and there is no registry package for $(uname -s) $(uname -m): install Node $want (nvm install $want, or nodejs.org) and run again." >&2
    return 1
  fi
  if [ "$("$pkg/bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null)" != "$want" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "Node $want is needed (found $current) and npm is missing, which would fetch it: install Node $want (nvm install $want, or nodejs.org) and run again." >&2
      return 1
    fi
    echo "Node $current found; installing Node $want from the npm registry (node-linux-$arch@$want) into $dir…"
    mkdir -p "$dir"
    if ! npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-$arch@$want"; then
      echo "Could not install node-linux-$arch@$want from the npm registry: install Node $want yourself (nvm install $want, or nodejs.org) and run again." >&2
      return 1
    fi
  fi
  export PATH="$pkg/bin:$PATH"
  export npm_config_nodedir="$pkg"
  echo "Node $(node --version) from $pkg"
}
switchboard_use_node24
