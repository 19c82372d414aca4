#!/usr/bin/env python3
"""Table for `make bench-pg` (bench/pg/run.sh): medians of the measured runs, ratios
pgBackRest / Strata (> 1: Strata is faster, or stores less). Writes pg-results.md and
pg-results.json to OUT and prints the table. Never judges: it only reports."""
import json
import os
import statistics
import sys

meas_path, facts_path, out_dir, params = sys.argv[1:5]

facts = {}
for line in open(facts_path):
    if "\t" in line:
        k, v = line.rstrip("\n").split("\t", 1)
        facts[k] = v

# row -> run -> tool -> measurement
meas = {}
for line in open(meas_path):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    row, run, tool, wall, user, sys_, rss, rc = f[:8]
    meas.setdefault(row, {}).setdefault(int(run), {})[tool] = {
        "wall_s": float(wall), "cpu_s": round(float(user) + float(sys_), 2),
        "maxrss_mib": round(int(rss) / 1024, 1), "rc": int(rc)}

TOOLS = ("strata", "pgbackrest")
nseg = int(facts.get("wal_segments", "0") or 0)


def med(xs):
    return statistics.median(xs) if xs else None


def summary(row):
    runs = meas.get(row, {})
    out = {"runs": {str(k): v for k, v in sorted(runs.items())}}
    for t in TOOLS:
        ok = [r[t] for r in runs.values() if t in r and r[t]["rc"] == 0]
        bad = [r[t]["rc"] for r in runs.values() if t in r and r[t]["rc"] != 0]
        out[t] = {"wall_s": med([m["wall_s"] for m in ok]), "cpu_s": med([m["cpu_s"] for m in ok]),
                  "maxrss_mib": med([m["maxrss_mib"] for m in ok]), "failed_rc": bad}
    ratios = [r["pgbackrest"]["wall_s"] / r["strata"]["wall_s"] for r in runs.values()
              if all(t in r and r[t]["rc"] == 0 for t in TOOLS) and r["strata"]["wall_s"] > 0]
    out["ratio"] = med(ratios)
    return out


def runs_of(prefix):
    return sorted({k.rsplit("_", 1)[1] for k in facts if k.startswith(prefix + "_") and k.rsplit("_", 1)[1].isdigit()})


def size_med(key):
    vals = [int(facts[f"{key}_{r}"]) for r in runs_of(key) if facts.get(f"{key}_{r}", "").isdigit()]
    return med(vals)


def fmt_time(s, row):
    t = s["wall_s"]
    if s["failed_rc"] and t is None:
        return "failed (exit %s)" % ",".join(map(str, s["failed_rc"]))
    if t is None:
        return "—"
    txt = f"{t:.2f} s"
    if row.startswith("wal-push") and nseg and t > 0:
        txt = f"{nseg / t:.1f} seg/s ({t:.2f} s)"
    if s["failed_rc"]:
        txt += " (some runs failed)"
    return txt


def fmt_ratio(x):
    return "—" if x is None else f"{x:.2f}×"


def mib(b):
    return "—" if b is None else f"{b / 1048576:.1f} MiB"


rows = [
    ("full", "full backup"),
    ("incr", f"incr backup after pgbench -T {params.split('workload_s=')[1].split()[0]} "
             f"-c {params.split('clients=')[1].split()[0]}"),
    ("restore", "restore of the latest backup (files only, no recovery)"),
    ("wal-push", f"wal-push of {nseg} segments, one process each"),
    ("wal-push-async", f"wal-push --async of {nseg} segments (spool, background pusher)"),
]
result = {"params": params, "facts": facts, "rows": {}}
lines = ["| row | Strata | pgBackRest | pgBackRest / Strata |", "|---|---|---|---|"]
for key, label in rows:
    s = summary(key)
    result["rows"][key] = s
    lines.append(f"| {label} | {fmt_time(s['strata'], key)} | {fmt_time(s['pgbackrest'], key)} | {fmt_ratio(s['ratio'])} |")

sizes = {}
for key, label in (("size", "repository after full + incr (WAL included)"),
                   ("size_wal", "of which archived WAL")):
    st = size_med(f"size_strata{key[4:]}")
    pb = size_med(f"size_pgbackrest{key[4:]}")
    sizes[key] = {"strata_bytes": st, "pgbackrest_bytes": pb}
    ratio = pb / st if st and pb is not None else None
    lines.append(f"| {label} | {mib(st)} | {mib(pb)} | {fmt_ratio(ratio)} |")
st = size_med("wal_repo_strata")
pb = size_med("wal_repo_pgbackrest")
sizes["wal_push"] = {"strata_bytes": st, "pgbackrest_bytes": pb,
                     "staged_bytes": int(facts.get("wal_stage_bytes", 0) or 0)}
lines.append(f"| stored size of the {nseg} pushed segments "
             f"({mib(sizes['wal_push']['staged_bytes'])} raw) | {mib(st)} | {mib(pb)} | "
             f"{fmt_ratio(pb / st if st and pb is not None else None)} |")
result["sizes"] = sizes

verify = {k: v for k, v in facts.items() if k.startswith("verify_")}
if verify:
    def ver(tool):
        vs = [v for k, v in sorted(verify.items()) if k.startswith(f"verify_{tool}_")]
        return "ok" if vs and all(v == "ok" for v in vs) else "; ".join(vs) or "—"
    lines.append(f"| restored copy starts, recovers and matches the primary | {ver('strata')} | {ver('pgbackrest')} | |")

lines += ["", "| row | Strata CPU s | pgBackRest CPU s | Strata largest RSS | pgBackRest largest RSS |",
          "|---|---|---|---|---|"]
for key, label in rows:
    s = result["rows"][key]

    def c(t, f, unit):
        v = s[t][f]
        return "—" if v is None else f"{v:.1f}{unit}"
    lines.append(f"| {label} | {c('strata', 'cpu_s', '')} | {c('pgbackrest', 'cpu_s', '')} | "
                 f"{c('strata', 'maxrss_mib', ' MiB')} | {c('pgbackrest', 'maxrss_mib', ' MiB')} |")

db = int(facts.get("db_bytes", 0) or 0)
head = (f"PostgreSQL bench {facts.get('date', '')}: {facts.get('machine', '')}; "
        f"PostgreSQL {facts.get('pg_version', '')}, {facts.get('strata_version', '')} (HEAD {facts.get('commit', '')} at run time), "
        f"{facts.get('pgbackrest_version', '')}; database {db / 1048576:.0f} MiB; {params}; "
        f"load average at start {facts.get('loadavg_start', '?')}, at end {facts.get('loadavg_end', '?')}")
walls = "; ".join(f"{k}: " + ", ".join(
    f"run {r}: " + " / ".join(f"{t} {v[t]['wall_s']:.2f}" for t in TOOLS if t in v)
    for r, v in sorted(meas.get(k, {}).items())) for k, _ in rows)
extra = "; ".join(f"{k} {v}" for k, v in sorted(facts.items())
                  if k.startswith(("workload_tps", "incr_wal_bytes", "restore_bytes", "init_s")))
text = head + "\n\n" + "\n".join(lines) + f"\n\n<!-- walls: {walls} -->\n<!-- {extra} -->\n"
print("\n" + text)
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "pg-results.md"), "w") as f:
    f.write(text)
with open(os.path.join(out_dir, "pg-results.json"), "w") as f:
    json.dump(result, f, indent=2, sort_keys=True)
print(f"written: {out_dir}/pg-results.md, {out_dir}/pg-results.json", file=sys.stderr)
