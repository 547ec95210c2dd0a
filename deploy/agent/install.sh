#!/bin/sh
# Installs the Fleetwatch agent on this machine as a systemd service.
#
#   install.sh --edge http://HOST:7070 (--token-file FILE | --token TOKEN) [--binary PATH] [--prefix DIR] [--no-start]
#
#   --edge URL         the ingest edge collectors send to (FLEETWATCH_INGEST_URL): http(s)://host:port
#   --token-file FILE  file whose first line is the collector token (preferred: the token stays out of `ps`)
#   --token TOKEN      the collector token itself
#   --binary PATH      the fleetwatch-agent executable (default: fleetwatch-agent beside this script,
#                      else .build/release/fleetwatch-agent of the checkout it is in; build it with scripts/build-agent)
#   --prefix DIR       install under DIR instead of / (staging an image, tests); never runs systemctl
#   --no-start         install the files only; do not run systemctl
#
# Writes DIR/usr/local/bin/fleetwatch-agent, DIR/etc/fleetwatch/agent.env (FLEETWATCH_INGEST_URL; other
# lines of an existing file are kept), DIR/etc/fleetwatch/agent.token (mode 0600) and
# DIR/etc/systemd/system/fleetwatch-agent.service (from fleetwatch-agent.service beside this script), then
# runs `systemctl daemon-reload`, `enable` and `restart` unless --prefix, --no-start, or no systemd.
# Safe to run again: it replaces the binary, the token and the unit, and restarts the agent.
set -eu

fail() {
  echo "install.sh: $*" >&2
  exit 2
}
usage() { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'; }

here=$(cd "$(dirname "$0")" && pwd)
edge=""
token=""
token_file=""
binary=""
prefix="/"
start=true

while [ $# -gt 0 ]; do
  case "$1" in
    --edge | --token | --token-file | --binary | --prefix)
      [ $# -ge 2 ] || fail "$1 needs a value (see --help)"
      case "$2" in --*) fail "$1 needs a value, got the option '$2'" ;; esac
      case "$1" in
        --edge) edge=$2 ;;
        --token) token=$2 ;;
        --token-file) token_file=$2 ;;
        --binary) binary=$2 ;;
        --prefix) prefix=$2 ;;
      esac
      shift 2
      ;;
    --edge=* | --token=* | --token-file=* | --binary=* | --prefix=*)
      value=${1#*=}
      case "$1" in
        --edge=*) edge=$value ;;
        --token=*) token=$value ;;
        --token-file=*) token_file=$value ;;
        --binary=*) binary=$value ;;
        --prefix=*) prefix=$value ;;
      esac
      shift
      ;;
    --no-start) start=false; shift ;;
    -h | --help) usage; exit 0 ;;
    *) fail "unknown argument '$1' (see --help)" ;;
  esac
done

# --edge: http(s)://host:port with an explicit port, nothing after it.
[ -n "$edge" ] || fail "--edge is required, e.g. --edge http://edge.example.net:7070"
case "$edge" in
  http://* | https://*) ;;
  *) fail "--edge must start with http:// or https://, got '$edge'" ;;
esac
authority=${edge#*://}
authority=${authority%/}
case "$authority" in
  "" | */* | *" "*) fail "--edge must be http(s)://host:port with nothing after the port, got '$edge'" ;;
esac
port=${authority##*:}
host=${authority%:*}
if [ "$host" = "$authority" ] || [ -z "$host" ]; then
  fail "--edge needs host and port, e.g. http://$authority:7070, got '$edge'"
fi
case "$port" in
  "" | *[!0-9]*) fail "--edge port must be a number, got '$port' in '$edge'" ;;
esac
if [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then fail "--edge port must be 1-65535, got $port"; fi
edge=${edge%/}

# The token: exactly one of --token / --token-file; one line without spaces.
if [ -n "$token" ] && [ -n "$token_file" ]; then fail "give --token or --token-file, not both"; fi
if [ -n "$token_file" ]; then
  [ -f "$token_file" ] && [ -r "$token_file" ] || fail "--token-file '$token_file' is not a readable file"
  token=$(head -n 1 "$token_file" | tr -d '\r')
  [ -n "$token" ] || fail "the first line of --token-file '$token_file' is empty"
elif [ -z "$token" ]; then
  fail "a collector token is required: --token-file FILE (preferred) or --token TOKEN"
fi
case "$token" in
  *[[:space:]]*) fail "the token must not contain spaces or tabs" ;;
esac

# The binary and the unit.
if [ -z "$binary" ]; then
  for candidate in "$here/fleetwatch-agent" "$here/../../.build/release/fleetwatch-agent"; do
    if [ -f "$candidate" ]; then binary=$candidate; break; fi
  done
  [ -n "$binary" ] || fail "no fleetwatch-agent beside this script: pass --binary PATH (build it with scripts/build-agent)"
fi
[ -f "$binary" ] || fail "--binary '$binary' does not exist"
[ -x "$binary" ] || fail "--binary '$binary' is not executable"
unit_source=$here/fleetwatch-agent.service
[ -f "$unit_source" ] || fail "fleetwatch-agent.service must be beside this script ($here): copy the whole deploy/agent folder"

# The prefix: / needs root; another folder is a staging root and is created.
case "$prefix" in
  /) root="" ;;
  /*) root=${prefix%/} ;;
  *) root=$(pwd)/${prefix%/} ;;
esac
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  fail "installing into / needs root: run it with sudo (or use --prefix DIR to stage the files)"
fi

bin_path=$root/usr/local/bin/fleetwatch-agent
config_dir=$root/etc/fleetwatch
env_path=$config_dir/agent.env
token_path=$config_dir/agent.token
unit_path=$root/etc/systemd/system/fleetwatch-agent.service

mkdir -p "$root/usr/local/bin" "$config_dir" "$root/etc/systemd/system"
tmp=$(mktemp "$bin_path.XXXXXX")
cp "$binary" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$bin_path"
echo "installed $bin_path"

# agent.env: FLEETWATCH_INGEST_URL replaced, every other line kept.
tmp=$(mktemp "$env_path.XXXXXX")
if [ -f "$env_path" ]; then
  grep -v '^FLEETWATCH_INGEST_URL=' "$env_path" >"$tmp" || true
  action="updated"
else
  cat >"$tmp" <<'EOF'
# Settings of the Fleetwatch agent (fleetwatch-agent.service), one VARIABLE=value per line.
# Optional: FLEETWATCH_INTERVAL=5, FLEETWATCH_LABELS=env=prod,rack=r1, FLEETWATCH_MACHINE_ID=…,
# FLEETWATCH_TOP_PROCESSES=10, FLEETWATCH_BUFFER_MAX_MB=256, FLEETWATCH_LOG_LEVEL=info.
# The token is in agent.token (mode 0600); do not put FLEETWATCH_TOKEN here, it would win over the file.
EOF
  action="wrote"
fi
printf 'FLEETWATCH_INGEST_URL=%s\n' "$edge" >>"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$env_path"
echo "$action $env_path (FLEETWATCH_INGEST_URL=$edge)"

# agent.token: created 0600 from the start, so the token is never readable by others.
tmp=$(umask 077 && mktemp "$token_path.XXXXXX")
printf '%s\n' "$token" >"$tmp"
chmod 0600 "$tmp"
mv -f "$tmp" "$token_path"
echo "wrote $token_path (mode 0600)"

cp "$unit_source" "$unit_path.tmp"
chmod 0644 "$unit_path.tmp"
mv -f "$unit_path.tmp" "$unit_path"
echo "installed $unit_path"

if [ -n "$root" ]; then
  echo "staged under $root: systemctl was not run. On the target machine:"
  echo "  systemctl daemon-reload && systemctl enable --now fleetwatch-agent.service"
  exit 0
fi
if ! $start; then
  echo "--no-start: the agent is installed but not started. To start it:"
  echo "  systemctl daemon-reload && systemctl enable --now fleetwatch-agent.service"
  exit 0
fi
if ! command -v systemctl >/dev/null 2>&1 || [ ! -d /run/systemd/system ]; then
  echo "systemd is not running here: the unit was installed but not started. Run the agent some other way, e.g.:"
  echo "  sh -c 'set -a; . $env_path; exec env FLEETWATCH_TOKEN_FILE=$token_path FLEETWATCH_DATA_DIR=/var/lib/fleetwatch-agent $bin_path'"
  exit 0
fi
version=$(systemctl --version | awk 'NR == 1 { print $2 }')
case "$version" in
  *[!0-9]* | "") ;;
  *) if [ "$version" -lt 248 ]; then
       echo "warning: systemd $version is older than 248: LoadCredential= and %d are unknown to it, so the agent gets no token." >&2
       echo "  Add a drop-in with Environment=FLEETWATCH_TOKEN_FILE=$token_path and DynamicUser=no (it then runs as root)." >&2
     fi ;;
esac
systemctl daemon-reload
systemctl enable fleetwatch-agent.service
systemctl restart fleetwatch-agent.service
echo "ran: systemctl daemon-reload; systemctl enable fleetwatch-agent.service; systemctl restart fleetwatch-agent.service"
echo "check it: systemctl status fleetwatch-agent; journalctl -u fleetwatch-agent -f"
echo "the machine appears on the dashboard within a few seconds once the edge accepts the token"
