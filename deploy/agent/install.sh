#!/bin/sh
# Installs the Fleetwatch agent on this machine as a systemd service.
#
#   install.sh --edge http(s)://HOST:7070 (--token-file FILE | --token TOKEN | --join-token-file FILE | --join-token TOKEN)
#              [--tls-ca FILE] [--binary PATH] [--prefix DIR] [--no-start]
#
#   --edge URL              the ingest edge collectors send to (FLEETWATCH_INGEST_URL): http(s)://host:port
#   --token-file FILE       file whose first line is the collector token (preferred: the token stays out of `ps`)
#   --token TOKEN           the collector token itself
#   --join-token-file FILE  file whose first line is the edge's join token: the agent enrolls once and keeps its own
#                           credential (docs/operations.md "Machine identity"); no collector token is then needed
#   --join-token TOKEN      the join token itself
#   --tls-ca FILE           PEM CA that an https:// edge's certificate chains to (FLEETWATCH_TLS_CA), copied beside
#                           the settings; without it the system roots are trusted
#   --binary PATH           the fleetwatch-agent executable (default: fleetwatch-agent beside this script, else
#                           .build/release/fleetwatch-agent of the checkout it is in; build it with scripts/build-agent)
#   --prefix DIR            install under DIR instead of / (staging an image, tests); never runs systemctl
#   --no-start              install the files only; do not run systemctl
#
# Writes DIR/usr/local/bin/fleetwatch-agent, DIR/etc/fleetwatch/agent.env (FLEETWATCH_INGEST_URL, and
# FLEETWATCH_JOIN_TOKEN and FLEETWATCH_TLS_CA when given; other lines of an existing file are kept; mode 0600 while
# it holds a join token), DIR/etc/fleetwatch/agent.token (mode 0600, given a collector token),
# DIR/etc/fleetwatch/edge-ca.pem (given --tls-ca) and DIR/etc/systemd/system/fleetwatch-agent.service (from
# fleetwatch-agent.service beside this script), then runs `systemctl daemon-reload`, `enable` and `restart` unless
# --prefix, --no-start, or no systemd. Safe to run again: it replaces the binary, the settings and tokens it is
# given and the unit, and restarts the agent.
set -eu

fail() {
  echo "install.sh: $*" >&2
  exit 2
}
usage() { sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; }

here=$(cd "$(dirname "$0")" && pwd)
edge=""
token=""
token_file=""
join_token=""
join_token_file=""
tls_ca=""
binary=""
prefix="/"
start=true

while [ $# -gt 0 ]; do
  case "$1" in
    --edge | --token | --token-file | --join-token | --join-token-file | --tls-ca | --binary | --prefix)
      [ $# -ge 2 ] || fail "$1 needs a value (see --help)"
      case "$2" in --*) fail "$1 needs a value, got the option '$2'" ;; esac
      case "$1" in
        --edge) edge=$2 ;;
        --token) token=$2 ;;
        --token-file) token_file=$2 ;;
        --join-token) join_token=$2 ;;
        --join-token-file) join_token_file=$2 ;;
        --tls-ca) tls_ca=$2 ;;
        --binary) binary=$2 ;;
        --prefix) prefix=$2 ;;
      esac
      shift 2
      ;;
    --edge=* | --token=* | --token-file=* | --join-token=* | --join-token-file=* | --tls-ca=* | --binary=* | --prefix=*)
      value=${1#*=}
      case "$1" in
        --edge=*) edge=$value ;;
        --token=*) token=$value ;;
        --token-file=*) token_file=$value ;;
        --join-token=*) join_token=$value ;;
        --join-token-file=*) join_token_file=$value ;;
        --tls-ca=*) tls_ca=$value ;;
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

# A secret given inline (--NAME) or as a file's first line (--NAME-file): one line without spaces, in $secret.
read_secret() { # NAME VALUE FILE
  if [ -n "$2" ] && [ -n "$3" ]; then fail "give --$1 or --$1-file, not both"; fi
  secret=$2
  if [ -n "$3" ]; then
    [ -f "$3" ] && [ -r "$3" ] || fail "--$1-file '$3' is not a readable file"
    secret=$(head -n 1 "$3" | tr -d '\r')
    [ -n "$secret" ] || fail "the first line of --$1-file '$3' is empty"
  fi
  case "$secret" in
    *[[:space:]]*) fail "the $1 must not contain spaces or tabs" ;;
  esac
}

# The collector token and the join token: at least one (an agent that enrolls needs no collector token).
read_secret token "$token" "$token_file"
token=$secret
read_secret join-token "$join_token" "$join_token_file"
join_token=$secret
if [ -z "$token" ] && [ -z "$join_token" ]; then
  fail "a collector token is required: --token-file FILE (preferred) or --token TOKEN; or a join token to enroll with: --join-token-file FILE or --join-token TOKEN"
fi

# --tls-ca: a PEM file of certificates, for an https:// edge.
if [ -n "$tls_ca" ]; then
  case "$edge" in https://*) ;; *) fail "--tls-ca is for an https:// edge, got '$edge'" ;; esac
  [ -f "$tls_ca" ] && [ -r "$tls_ca" ] || fail "--tls-ca '$tls_ca' is not a readable file"
  grep -q -e '-----BEGIN CERTIFICATE-----' "$tls_ca" || fail "--tls-ca '$tls_ca' holds no PEM certificate"
fi

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
ca_path=$config_dir/edge-ca.pem
unit_path=$root/etc/systemd/system/fleetwatch-agent.service

mkdir -p "$root/usr/local/bin" "$config_dir" "$root/etc/systemd/system"
tmp=$(mktemp "$bin_path.XXXXXX")
cp "$binary" "$tmp"
chmod 0755 "$tmp"
mv -f "$tmp" "$bin_path"
echo "installed $bin_path"

if [ -n "$tls_ca" ]; then
  tmp=$(mktemp "$ca_path.XXXXXX")
  cp "$tls_ca" "$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$ca_path"
  echo "installed $ca_path"
fi

# agent.env: the settings given replaced, every other line kept. Created 0600 (it may hold the join token) and
# opened to 0644 only when it holds none. FLEETWATCH_TOKEN_FILE= (empty) is written for an agent that has no
# collector token, so that it does not read the unit's placeholder credential; a token given later removes it.
managed='^FLEETWATCH_INGEST_URL=|^FLEETWATCH_TOKEN_FILE='
[ -z "$join_token" ] || managed="$managed|^FLEETWATCH_JOIN_TOKEN(_FILE)?="
[ -z "$tls_ca" ] || managed="$managed|^FLEETWATCH_TLS_CA="
tmp=$(umask 077 && mktemp "$env_path.XXXXXX")
if [ -f "$env_path" ]; then
  grep -Ev "$managed" "$env_path" >"$tmp" || true
  action="updated"
else
  cat >"$tmp" <<'EOF'
# Settings of the Fleetwatch agent (fleetwatch-agent.service), one VARIABLE=value per line.
# Optional: FLEETWATCH_INTERVAL=5, FLEETWATCH_LABELS=env=prod,rack=r1, FLEETWATCH_MACHINE_ID=…,
# FLEETWATCH_TOP_PROCESSES=10, FLEETWATCH_BUFFER_MAX_MB=256, FLEETWATCH_LOG_LEVEL=info.
# The token is in agent.token (mode 0600); do not put FLEETWATCH_TOKEN here, it would win over the file.
# A join token (install.sh --join-token) is kept here as FLEETWATCH_JOIN_TOKEN; the file is then root's only.
EOF
  action="wrote"
fi
printf 'FLEETWATCH_INGEST_URL=%s\n' "$edge" >>"$tmp"
settings="FLEETWATCH_INGEST_URL=$edge"
if [ -n "$join_token" ]; then
  printf 'FLEETWATCH_JOIN_TOKEN=%s\n' "$join_token" >>"$tmp"
  settings="$settings, FLEETWATCH_JOIN_TOKEN"
fi
if [ -n "$tls_ca" ]; then
  printf 'FLEETWATCH_TLS_CA=/etc/fleetwatch/edge-ca.pem\n' >>"$tmp"
  settings="$settings, FLEETWATCH_TLS_CA=/etc/fleetwatch/edge-ca.pem"
fi
if [ -z "$token" ] && [ ! -f "$token_path" ]; then
  printf 'FLEETWATCH_TOKEN_FILE=\n' >>"$tmp"
fi
if grep -q '^FLEETWATCH_JOIN_TOKEN=' "$tmp"; then mode=0600; else mode=0644; fi
chmod "$mode" "$tmp"
mv -f "$tmp" "$env_path"
echo "$action $env_path ($settings; mode $mode)"

# agent.token: created 0600 from the start, so the token is never readable by others.
if [ -n "$token" ]; then
  tmp=$(umask 077 && mktemp "$token_path.XXXXXX")
  printf '%s\n' "$token" >"$tmp"
  chmod 0600 "$tmp"
  mv -f "$tmp" "$token_path"
  echo "wrote $token_path (mode 0600)"
fi

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
  if [ -f "$token_path" ]; then token_env="FLEETWATCH_TOKEN_FILE=$token_path "; else token_env=""; fi
  echo "  sh -c 'set -a; . $env_path; exec env ${token_env}FLEETWATCH_DATA_DIR=/var/lib/fleetwatch-agent $bin_path'"
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
if [ -n "$join_token" ]; then
  echo "it enrolls with the join token once and keeps its own credential in /var/lib/fleetwatch-agent/collector/credential"
fi
echo "the machine appears on the dashboard within a few seconds once the edge accepts the token"
