# S3-compatible servers for integration tests, on free 127.0.0.1 ports, in
# directories under $WORK, every process stopped by its PID from s3_stop, which
# tests/integration/lib.sh runs on exit, failed or not (SERVER_CLEANUPS).
#
# Why: the S3 storage backend must be tested against a server that checks SigV4
# the way AWS does. Of the servers available here only Ceph radosgw does
# (moto and s3rver accept any signature; moto also disagrees with AWS on %2F in
# query values), so s3_start_radosgw starts a single-node Ceph 16 (1 mon, 1
# memstore OSD, no mgr, auth none) plus radosgw, 6-10 s (phase times in
# $S3_CEPH_DIR/log/phases.log, daemon logs beside it). s3_start_moto is a 1-2 s
# in-memory fake for quick tests only. Recipe and measurements:
# /work/shared/components.md section 4. One server at a time per test.
#
# Both export S3_ENDPOINT (http://127.0.0.1:PORT), S3_ACCESS_KEY, S3_SECRET_KEY,
# S3_REGION (us-east-1) and S3_SERVER (radosgw|moto); radosgw also S3_MON_PID,
# S3_OSD_PID, S3_RGW_PID, S3_CEPH_DIR and CEPH_CONF (for ceph/radosgw-admin),
# moto S3_MOTO_PID. S3_RGW_CONF (set before the start) adds lines to radosgw's
# config section. Helpers for tests to look at a bucket directly: s3curl,
# s3_create_bucket, s3_put_object, s3_get_object, s3_delete_object,
# s3_list_keys, s3_storage_class.
#
# Source after lib.sh; does not need tests/servers/postgres.sh.

S3_REGION=us-east-1
S3_PIDS=()   # every server PID started here, in start order (stopped in reverse)
S3_JOBS=()   # background set-up jobs (radosgw-admin/ceph clients) while they run
# Helper scripts run with the system python (a pyenv shim costs ~0.6 s a call).
if [ -x /usr/bin/python3 ]; then S3_PY=/usr/bin/python3; else S3_PY=python3; fi

# free_port: a TCP port on 127.0.0.1 nobody listens on (as in postgres.sh).
if ! declare -F free_port >/dev/null; then
  free_port() {
    "$S3_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  }
fi

# s3__ports N: N distinct free ports on one line.
s3__ports() {
  local n=$1 p ports=" "
  while [ "$(wc -w <<<"$ports")" -lt "$n" ]; do
    p=$(free_port)
    case "$ports" in *" $p "*) ;; *) ports="$ports$p " ;; esac
  done
  ports=${ports# }; echo "${ports% }"
}

# s3__alive PID: running and not a zombie (kill -0 is true for zombies).
s3__alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# s3__tail FILE...: the last lines of each log, to stderr.
s3__tail() {
  local f
  for f in "$@"; do
    [ -s "$f" ] || continue
    echo "--- tail of $f:" >&2
    tail -n 25 "$f" >&2
  done
}

# s3__wait PID TIMEOUT_S WHAT LOGS CMD...: poll CMD (output discarded) until it
# succeeds; fail at once if PID died, or after TIMEOUT_S, printing the logs
# (LOGS is a space-separated list of files).
s3__wait() {
  local pid=$1 t=$2 what=$3 logs=$4; shift 4
  local end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if ! s3__alive "$pid"; then
      echo "s3: $what: process $pid died before it was ready" >&2
      # shellcheck disable=SC2086
      s3__tail $logs; return 1
    fi
    if [ "$SECONDS" -ge "$end" ]; then
      echo "s3: $what: not ready after ${t}s (waiting for: $*)" >&2
      # shellcheck disable=SC2086
      s3__tail $logs; return 1
    fi
    sleep 0.1
  done
}

# s3__stop_pid PID [TIMEOUT_S]: SIGTERM, wait until gone, then SIGKILL.
s3__stop_pid() {
  local pid=$1 t=${2:-20}
  local end=$((SECONDS + t))
  kill "$pid" 2>/dev/null || return 0
  while s3__alive "$pid"; do
    if [ "$SECONDS" -ge "$end" ]; then
      echo "s3: process $pid did not stop on SIGTERM within ${t}s, SIGKILL" >&2
      kill -9 "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.05
  done
  return 0
}

# s3__bg LOG CMD...: starts CMD in the background (all three streams redirected),
# records its PID in S3_PIDS and in S3__LAST_PID.
s3__bg() {
  local log=$1; shift
  "$@" </dev/null >>"$log" 2>&1 &
  S3__LAST_PID=$!
  S3_PIDS+=("$S3__LAST_PID")
}

# s3__kill_tree PID: SIGKILL for PID and all its descendants (stopped first, so
# that they cannot fork more meanwhile).
s3__kill_tree() {
  local c
  kill -STOP "$1" 2>/dev/null || return 0
  for c in $(pgrep -P "$1" 2>/dev/null); do s3__kill_tree "$c"; done
  kill -9 "$1" 2>/dev/null || true
}

# s3__forget PID: drops a stopped PID from S3_PIDS (so it is not signalled again).
s3__forget() {
  local p keep=()
  for p in "${S3_PIDS[@]:-}"; do [ -z "$p" ] || [ "$p" = "$1" ] || keep+=("$p"); done
  S3_PIDS=("${keep[@]:-}")
}

# s3__run WHAT LOGS CMD...: runs CMD bounded to 60 s (a Ceph client that cannot
# reach the mon hangs rather than fails); on failure prints its output and the
# logs (LOGS: space-separated files).
s3__run() {
  local what=$1 logs=$2 out rc=0; shift 2
  out=$(timeout 60 "$@" 2>&1) || rc=$?
  if [ "$rc" != 0 ]; then
    [ "$rc" = 124 ] && rc="124: timed out after 60s"
    echo "s3: $what failed (exit $rc): $*" >&2
    [ -n "$out" ] && printf '%s\n' "$out" | tail -n 25 >&2
    # shellcheck disable=SC2086
    s3__tail $logs; return 1
  fi
  printf '%s' "$out"
}

# s3__phase FILE WHAT: appends "seconds since start  WHAT" to FILE.
s3__phase() { echo "$(( (${EPOCHREALTIME/./} - S3__T0) / 1000 )) ms  $2" >>"$1"; }

# s3_start_radosgw: Ceph 16 single node (mon + memstore OSD, no mgr, auth none)
# and radosgw with the storage classes STANDARD, STANDARD_IA, GLACIER and
# DEEP_ARCHIVE, everything in $WORK/ceph, all ports on 127.0.0.1. One per test.
s3_start_radosgw() {
  local cb="$WORK/ceph" fsid osd_uuid osd_id mon1 mon2 rgw_port sc pool t0=$SECONDS
  [ -z "${S3_SERVER:-}" ] || { echo "s3: a server ($S3_SERVER) is already running" >&2; return 1; }
  read -r mon1 mon2 rgw_port <<<"$(s3__ports 3)" || return 1
  rm -rf "$cb"   # a cluster stopped earlier in this test
  mkdir -p "$cb"/{mon.a,osd.0,rgw,log,run} || return 1
  fsid=$(cat /proc/sys/kernel/random/uuid)
  local log="$cb/log"
  S3__T0=${EPOCHREALTIME/./}   # phase times go to $log/phases.log
  # Notes on the settings (see components.md 4b for the traps behind most):
  # - mon_host and the monmap must list v2 and v1 addresses, else clients hang
  #   in "hunting"; radosgw needs ms_mon_*_mode "crc secure" with auth none.
  # - the OSD picks its own ports (6800-7300); public/cluster_addr keep it on
  #   127.0.0.1.
  # - pg_num 8: radosgw makes ~12 pools here, the default 32 each exceeds the
  #   per-OSD PG limit on one OSD.
  # - the mon shuts down when its disk has less than mon_data_avail_crit % free
  #   (default 5; this machine's disk has ~12 %): 1.
  # - memstore keeps all objects in the OSD's RAM, capped at 3 GiB.
  cat >"$cb/ceph.conf" <<C || return 1
[global]
fsid = $fsid
mon_host = [v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]
public_network = 127.0.0.0/8
cluster_network = 127.0.0.0/8
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
ms_mon_cluster_mode = crc secure
ms_mon_client_mode = crc secure
run_dir = $cb/run
log_file = $log/\$name.log
pid_file = $cb/run/\$name.pid
keyring = $cb/keyring
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_max_pg_per_osd = 1000
mon_warn_on_pool_no_redundancy = false
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_data_avail_warn = 2
mon_data_avail_crit = 1
# every osdmap change (pool create, OSD boot) waits for a paxos proposal,
# 1 s apart by default: radosgw's first start makes ~10 of them
paxos_propose_interval = 0.1
[mon]
mon_data = $cb/mon.\$id
# the cluster and audit logs default to /var/log/ceph/, whatever log_file says
mon_cluster_log_file = default=$log/\$cluster.\$channel.log cluster=$log/\$cluster.log
[osd]
osd_data = $cb/osd.\$id
osd_objectstore = memstore
memstore_device_bytes = 3221225472
osd_memory_target = 1073741824
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
[client.rgw.x]
rgw_data = $cb/rgw
rgw_frontends = beast endpoint=127.0.0.1:$rgw_port
# lifecycle workers sleep 5 s unwakeably when they contend for a shard lock,
# which delays radosgw's SIGTERM shutdown by up to ~10 s (lifecycle rules
# themselves are still stored; they are run only by these threads)
rgw_enable_lc_threads = false
${S3_RGW_CONF:-}
C
  export CEPH_CONF="$cb/ceph.conf" S3_CEPH_DIR="$cb"
  S3_SERVER=radosgw

  # monitor
  s3__run "ceph-authtool" "" ceph-authtool --create-keyring "$cb/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null || return 1
  s3__run "monmaptool" "" monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon2,v1:127.0.0.1:$mon1]" "$cb/monmap" >/dev/null || return 1
  s3__run "ceph-mon --mkfs" "$log/mon.a.log" ceph-mon -c "$cb/ceph.conf" --mkfs -i a --monmap "$cb/monmap" --keyring "$cb/keyring" >/dev/null || return 1
  # (-c on every daemon's command line: pgrep -f "$WORK/ceph/" finds them)
  s3__bg "$log/mon.out" ceph-mon -c "$cb/ceph.conf" -i a -f
  S3_MON_PID=$S3__LAST_PID
  s3__wait "$S3_MON_PID" 30 "ceph-mon" "$log/mon.out $log/mon.a.log" \
    timeout 10 ceph --connect-timeout 5 mon stat || return 1

  s3__phase "$log/phases.log" "mon up"
  # OSD
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  osd_id=$(s3__run "ceph osd new" "$log/mon.a.log" ceph --connect-timeout 30 osd new "$osd_uuid") || return 1
  [ "$osd_id" = 0 ] || { echo "s3: ceph osd new gave id '$osd_id', expected 0" >&2; return 1; }
  s3__run "ceph-osd --mkfs" "$log/osd.0.log" ceph-osd -c "$cb/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null || return 1
  s3__bg "$log/osd.out" ceph-osd -c "$cb/ceph.conf" -i 0 -f
  S3_OSD_PID=$S3__LAST_PID
  s3__wait "$S3_OSD_PID" 60 "ceph-osd" "$log/osd.out $log/osd.0.log $log/mon.a.log" \
    sh -c "timeout 10 ceph --connect-timeout 5 osd dump --format json | grep -q '\"up\":1'" || return 1

  s3__phase "$log/phases.log" "OSD up"
  # radosgw: its first start creates the zone, zonegroup and ~8 pools.
  s3__bg "$log/rgw.out" radosgw -c "$cb/ceph.conf" -n client.rgw.x -f
  S3_RGW_PID=$S3__LAST_PID
  s3__wait "$S3_RGW_PID" 60 "radosgw" "$log/rgw.out $log/client.rgw.x.log" \
    curl -sf -m 5 -o /dev/null "http://127.0.0.1:$rgw_port/" || return 1

  s3__phase "$log/phases.log" "radosgw up"
  # Storage classes beyond STANDARD, each with its own data pool; radosgw-admin
  # can add them only once radosgw made the default zonegroup, and radosgw reads
  # them only at start. The pools are made here too, not on the first PUT. Three
  # independent chains run at once (each client call costs 0.3-0.5 s).
  local classes=(STANDARD_IA GLACIER DEEP_ARCHIVE) j rc=0 mon_cmds=""
  S3_JOBS=()   # s3_stop kills them if the test ends meanwhile
  local ga=(--rgw-zonegroup default --placement-id default-placement)
  local za=(--rgw-zone default --placement-id default-placement)
  (for sc in "${classes[@]}"; do   # the zone's class needs the zonegroup's first
     pool="default.rgw.$(tr 'A-Z_' 'a-z-' <<<"$sc").data"
     s3__run "zonegroup placement add $sc" "$log/client.admin.log" \
       radosgw-admin zonegroup placement add "${ga[@]}" --storage-class "$sc" >/dev/null || exit 1
     s3__run "zone placement add $sc" "$log/client.admin.log" \
       radosgw-admin zone placement add "${za[@]}" --storage-class "$sc" --data-pool "$pool" >/dev/null || exit 1
   done) &
  S3_JOBS+=($!)
  (s3__run "radosgw-admin user create" "$log/client.admin.log" \
     radosgw-admin user create --uid=strata-test --display-name=strata-test \
       --access-key=STRATATESTACCESSKEY --secret-key=STRATATESTSECRETKEY0123456789 >/dev/null) &
  S3_JOBS+=($!)
  # one ceph process runs the commands it reads from stdin (but exits 0 even
  # when one fails: check its output)
  for sc in "${classes[@]}"; do
    pool="default.rgw.$(tr 'A-Z_' 'a-z-' <<<"$sc").data"
    mon_cmds+="osd pool create $pool 8"$'\n'"osd pool application enable $pool rgw"$'\n'
  done
  (out=$(s3__run "ceph osd pool create" "$log/mon.a.log" ceph --connect-timeout 30 <<<"$mon_cmds") || exit 1
   if grep -qi 'error' <<<"$out"; then echo "s3: pool creation failed: $out" >&2; s3__tail "$log/mon.a.log"; exit 1; fi) &
  S3_JOBS+=($!)
  for j in "${S3_JOBS[@]}"; do wait "$j" || rc=1; done
  S3_JOBS=()
  [ "$rc" = 0 ] || return 1
  s3__phase "$log/phases.log" "classes, pools, user"
  s3__stop_pid "$S3_RGW_PID" 30
  s3__forget "$S3_RGW_PID"
  s3__phase "$log/phases.log" "radosgw stopped"
  s3__bg "$log/rgw.out" radosgw -c "$cb/ceph.conf" -n client.rgw.x -f
  S3_RGW_PID=$S3__LAST_PID
  s3__wait "$S3_RGW_PID" 60 "radosgw (restart)" "$log/rgw.out $log/client.rgw.x.log" \
    curl -sf -m 5 -o /dev/null "http://127.0.0.1:$rgw_port/" || return 1

  s3__phase "$log/phases.log" "radosgw restarted"
  export S3_SERVER S3_MON_PID S3_OSD_PID S3_RGW_PID
  export S3_ENDPOINT="http://127.0.0.1:$rgw_port" S3_REGION=us-east-1
  export S3_ACCESS_KEY=STRATATESTACCESSKEY S3_SECRET_KEY=STRATATESTSECRETKEY0123456789
  export S3_START_SECONDS=$((SECONDS - t0))   # whole seconds the start took
}

# s3_start_moto: moto's in-memory S3 server (any keys work, signatures are NOT
# checked): for quick tests only.
s3_start_moto() {
  local port py dir="$WORK/moto"
  [ -z "${S3_SERVER:-}" ] || { echo "s3: a server ($S3_SERVER) is already running" >&2; return 1; }
  py=${MOTO_PY:-$(pyenv prefix 3.11.7 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}/versions/3.11.7")/bin/python3}
  [ -x "$py" ] || { echo "s3: no python for moto at $py (set MOTO_PY)" >&2; return 1; }
  port=$(free_port)
  mkdir -p "$dir"
  S3_SERVER=moto
  (cd "$dir" && exec "$py" -m moto.server -H 127.0.0.1 -p "$port") </dev/null >"$dir/moto.log" 2>&1 &
  S3_MOTO_PID=$!
  S3_PIDS+=("$S3_MOTO_PID")
  s3__wait "$S3_MOTO_PID" 30 "moto" "$dir/moto.log" curl -sf -m 5 -o /dev/null "http://127.0.0.1:$port/moto-api/" || return 1
  export S3_SERVER S3_MOTO_PID S3_REGION=us-east-1
  export S3_ENDPOINT="http://127.0.0.1:$port" S3_ACCESS_KEY=motoaccesskey S3_SECRET_KEY=motosecretkey
}

# s3_stop: stops every server started here, newest first (radosgw, OSD, mon),
# each by PID: SIGTERM, SIGKILL after 20 s.
s3_stop() {
  local i
  for i in "${S3_JOBS[@]:-}"; do [ -z "$i" ] || s3__kill_tree "$i"; done
  S3_JOBS=()
  for ((i = ${#S3_PIDS[@]} - 1; i >= 0; i--)); do
    s3__stop_pid "${S3_PIDS[$i]}" 20
  done
  S3_PIDS=()
  unset S3_SERVER S3_ENDPOINT S3_MON_PID S3_OSD_PID S3_RGW_PID S3_MOTO_PID
  return 0
}
SERVER_CLEANUPS+=(s3_stop)

# s3curl CURL-ARGS...: curl signing with SigV4 as $S3_ACCESS_KEY. curl 7.88 signs
# the query string as written: write it canonical (keys sorted, each with '=',
# values %-encoded, '/' as %2F; see s3_urlencode). The payload is not hashed
# (UNSIGNED-PAYLOAD), and Content-Type is set because --data-binary's
# form type makes moto store 0 bytes. Bounded (a request to a broken cluster
# hangs): S3_CURL_MAX_TIME seconds, default 600, or pass your own --max-time.
s3curl() {
  curl -sS --connect-timeout 10 --max-time "${S3_CURL_MAX_TIME:-600}" --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -H "Content-Type: application/octet-stream" "$@"
}

# s3_urlencode STRING [SAFE]: %-encodes all but A-Za-z0-9-_.~ and the chars in
# SAFE (s3_urlencode "$key" / for a path, without SAFE for a query value).
s3_urlencode() {
  "$S3_PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=sys.argv[2]))' "$1" "${2:-}"
}

# s3__url BUCKET [KEY]: the object (or bucket) URL.
s3__url() {
  if [ -n "${2:-}" ]; then echo "$S3_ENDPOINT/$1/$(s3_urlencode "$2" /)"; else echo "$S3_ENDPOINT/$1"; fi
}

# s3__req WANT_CODES BODY_FILE CURL-ARGS...: s3curl, fails (printing the
# response body) unless the HTTP status is one of WANT_CODES ("200 204").
s3__req() {
  local want=$1 body=$2 code; shift 2
  code=$(s3curl -o "$body" -w '%{http_code}' "$@") || { echo "s3: curl failed: $*" >&2; return 1; }
  case " $want " in *" $code "*) return 0 ;; esac
  echo "s3: HTTP $code (wanted $want) for: $*" >&2
  [ -s "$body" ] && head -c 2000 "$body" >&2 && echo >&2
  return 1
}

# s3_create_bucket BUCKET
s3_create_bucket() { s3__req 200 /dev/null -X PUT "$(s3__url "$1")"; }

# s3_put_object BUCKET KEY FILE [CURL-ARGS...]: uploads FILE (streamed, -T);
# e.g. s3_put_object b k f -H 'x-amz-storage-class: STANDARD_IA'
s3_put_object() {
  local b=$1 k=$2 f=$3; shift 3
  s3__req 200 /dev/null -T "$f" "$@" "$(s3__url "$b" "$k")"
}

# s3_get_object BUCKET KEY FILE: downloads the object into FILE.
s3_get_object() {
  local tmp="$3.s3part"
  s3__req 200 "$tmp" "$(s3__url "$1" "$2")" || { rm -f "$tmp"; return 1; }
  mv -f "$tmp" "$3"
}

# s3_delete_object BUCKET KEY (a missing key is no error, as in S3)
s3_delete_object() { s3__req "200 204" /dev/null -X DELETE "$(s3__url "$1" "$2")"; }

# s3_storage_class BUCKET KEY: prints the object's storage class (HEAD's
# x-amz-storage-class; STANDARD when absent, as S3 omits it for STANDARD).
s3_storage_class() {
  local hdr sc
  hdr=$(s3curl -f -I "$(s3__url "$1" "$2")") || { echo "s3: HEAD $1/$2 failed" >&2; return 1; }
  sc=$(tr -d '\r' <<<"$hdr" | awk -F': *' 'tolower($1)=="x-amz-storage-class"{print $2}')
  echo "${sc:-STANDARD}"
}

# s3_list_keys BUCKET [PREFIX]: the keys under PREFIX, one per line, in S3's
# order (ListObjectsV2, following continuation tokens; S3_LIST_MAX_KEYS sets
# the page size, default the server's 1000).
s3_list_keys() {
  local b=$1 prefix=${2:-} token="" q body
  body=$(mktemp "${WORK:-/tmp}/s3list.XXXXXX")
  while :; do
    # query keys in sorted order, values encoded (curl signs it verbatim)
    q="list-type=2"
    [ -z "${S3_LIST_MAX_KEYS:-}" ] || q="$q&max-keys=$S3_LIST_MAX_KEYS"
    q="$q&prefix=$(s3_urlencode "$prefix")"
    [ -z "$token" ] || q="continuation-token=$(s3_urlencode "$token")&$q"
    s3__req 200 "$body" "$(s3__url "$b")?$q" || { rm -f "$body"; return 1; }
    token=$("$S3_PY" - "$body" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = root.tag[:root.tag.index('}') + 1] if root.tag.startswith('{') else ''
for c in root.findall(ns + 'Contents'):
    sys.stdout.write('K' + c.findtext(ns + 'Key', '') + '\n')
if (root.findtext(ns + 'IsTruncated') or '').strip().lower() == 'true':
    t = root.findtext(ns + 'NextContinuationToken') or ''
    if not t:
        sys.exit('s3_list_keys: truncated listing without NextContinuationToken')
    sys.stdout.write('T' + t + '\n')
PY
    ) || { rm -f "$body"; return 1; }
    sed -n 's/^K//p' <<<"$token"
    token=$(sed -n 's/^T//p' <<<"$token")
    [ -n "$token" ] || break
  done
  rm -f "$body"
}
