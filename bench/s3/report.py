#!/usr/bin/env python3
"""Table for `make bench-s3` (bench/s3/run.sh): medians of the runs per row and tool,
MiB/s of the data set, the ratios strata-S3 / strata-local (target >= 0.80) and
strata-S3 / restic-S3 (> 1: strata is faster), radosgw request counts, and every line
strata printed on stderr. Prints the markdown table; writes s3-results.md and
s3-results.json to OUT. Only reports; exits 1 if a command failed.

usage: report.py MEASUREMENTS.tsv FACTS.tsv ERR_DIR RGW_DIR OUT PARAMS"""
import json
import os
import platform
import re
import statistics
import sys

meas_path, facts_path, err_dir, rgw_dir, out_dir, params = sys.argv[1:7]
MIB = 1048576
TARGET = 0.80
ROWS = [("backup", "initial backup (fresh repository, cold cache)"),
        ("incremental", "unchanged re-backup (same repository, warm cache)"),
        ("restore", "restore latest (cold cache)"),
        ("check", "check (every tree read, no data, no cache)")]
TOOLS = ("strata-local", "strata-s3", "restic-s3")

facts = {}
for line in open(facts_path):
    if "\t" in line:
        k, v = line.rstrip("\n").split("\t", 1)
        facts[k] = v
data_bytes = int(facts["data_bytes"])
data_mib = data_bytes / MIB

BEAST = re.compile(r'"([A-Z]+) (\S+) HTTP/[0-9.]+" (\d+) (\d+)')


def rgw_requests(row, run, tool):
    """radosgw's access log during one command: (requests, {"METHOD STATUS": n}, bytes)."""
    path = os.path.join(rgw_dir, "%s-%s-%s" % (row, run, tool))
    if not tool.endswith("-s3") or not os.path.exists(path):
        return None, {}, None
    n, kinds, nbytes = 0, {}, 0
    for line in open(path, errors="replace"):
        m = BEAST.search(line)
        if not m:
            continue
        n += 1
        k = "%s %s" % (m.group(1), m.group(3))
        kinds[k] = kinds.get(k, 0) + 1
        nbytes += int(m.group(4))
    return n, dict(sorted(kinds.items())), nbytes


meas = {}  # row -> tool -> run -> measurement
for line in open(meas_path):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    row, run, tool, wall, user, sys_, rss, rc = f[:8]
    reqs, kinds, nbytes = rgw_requests(row, run, tool)
    meas.setdefault(row, {}).setdefault(tool, {})[int(run)] = {
        "wall_s": float(wall), "cpu_s": round(float(user) + float(sys_), 2), "peak_rss_mib": round(int(rss) / 1024, 1),
        "rc": int(rc), "mib_per_s": round(data_mib / float(wall), 1) if float(wall) > 0 else None,
        "server_cpu_s": float(f[8]) if len(f) > 8 and tool.endswith("-s3") else None,
        "s3_requests": reqs, "s3_requests_by_kind": kinds,
        "s3_mib_transferred": None if nbytes is None else round(nbytes / MIB, 1)}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def summary(row, tool):
    runs = meas.get(row, {}).get(tool, {})
    ok = [m for m in runs.values() if m["rc"] == 0]
    wall = med([m["wall_s"] for m in ok])
    return {"wall_s": wall, "mib_per_s": data_mib / wall if wall else None,
            "cpu_s": med([m["cpu_s"] for m in ok]), "peak_rss_mib": med([m["peak_rss_mib"] for m in ok]),
            "server_cpu_s": med([m["server_cpu_s"] for m in ok]),
            "s3_requests": med([m["s3_requests"] for m in ok]) if tool.endswith("-s3") else None,
            "failed_rc": [m["rc"] for m in runs.values() if m["rc"] != 0],
            "runs": {str(k): v for k, v in sorted(runs.items())}}


def ratio(row, a, b):
    """Median over the runs of throughput(a) / throughput(b) = wall(b) / wall(a), paired by run."""
    ra, rb = meas.get(row, {}).get(a, {}), meas.get(row, {}).get(b, {})
    xs = [rb[k]["wall_s"] / ra[k]["wall_s"] for k in ra if k in rb and ra[k]["rc"] == 0 and rb[k]["rc"] == 0
          and ra[k]["wall_s"] > 0]
    return med(xs)


def cpu_bound(row):
    """Median over the runs of the best S3/local ratio this machine allows: the S3 run
    needs (strata CPU + radosgw/OSD CPU) seconds of CPU, which its cores can give at
    best in (that sum / cores) seconds of wall time."""
    ra, rb = meas.get(row, {}).get("strata-s3", {}), meas.get(row, {}).get("strata-local", {})
    cores = os.cpu_count() or 1
    xs = []
    for k in ra:
        if k in rb and ra[k]["rc"] == 0 and rb[k]["rc"] == 0 and ra[k]["server_cpu_s"] is not None:
            fastest = (ra[k]["cpu_s"] + ra[k]["server_cpu_s"]) / cores
            if fastest > 0:
                xs.append(rb[k]["wall_s"] / fastest)
    return med(xs)


report = {"mode": "s3", "params": params, "facts": facts,
          "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
          "data_set": {"bytes": data_bytes, "files": int(facts.get("data_files", 0))}, "rows": {}, "ratios": {}}
failed = False
for row, _ in ROWS:
    for t in TOOLS:
        if t in meas.get(row, {}):
            s = summary(row, t)
            report["rows"].setdefault(row, {})[t] = s
            failed |= bool(s["failed_rc"])
    report["ratios"][row] = {"strata_s3_vs_local": ratio(row, "strata-s3", "strata-local"),
                             "strata_s3_vs_restic_s3": ratio(row, "strata-s3", "restic-s3"),
                             "cpu_bound_s3_vs_local": cpu_bound(row)}


def fmt(x, spec, dash="-"):
    return dash if x is None else format(x, spec)


def size_of(tool):
    vals = [int(v) for k, v in facts.items() if k.startswith("repo_bytes_%s_" % tool) and v.isdigit()]
    objs = [int(v) for k, v in facts.items() if k.startswith("objects_%s_" % tool) and v.isdigit()]
    return med(vals), med(objs)


nruns = max((len(v) for r in meas.values() for v in r.values()), default=0)
lines = []
lines.append("## strata on S3 (Ceph radosgw on loopback) vs local, vs restic %s" %
             facts.get("restic_version", "").split(" compiled")[0].replace("restic ", ""))
lines.append("")
lines.append("Data set: %.0f MiB, %s files (bench/gen_dataset.py) on disk; restores into %s (%s); medians of %d "
             "runs; page cache dropped before every timed command: %s. %s." % (
                 data_mib, facts.get("data_files", "?"), os.path.dirname(facts.get("restore_dir", "?")),
                 facts.get("restore_fs", "?"), nruns, "yes" if facts.get("drop_caches") == "1" else "NO", params))
lines.append("")
lines.append("| row | tool | wall s | MiB/s | CPU s | peak RSS MiB | radosgw+OSD CPU s | S3 requests | runs (wall s) |")
lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
for row, title in ROWS:
    for t in TOOLS:
        s = report["rows"].get(row, {}).get(t)
        if not s:
            continue
        walls = ", ".join("%.2f" % m["wall_s"] if m["rc"] == 0 else "FAILED(%d)" % m["rc"]
                          for m in s["runs"].values())
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            title, t, fmt(s["wall_s"], ".2f"), fmt(s["mib_per_s"], ".1f"), fmt(s["cpu_s"], ".2f"),
            fmt(s["peak_rss_mib"], ".1f"), fmt(s["server_cpu_s"], ".2f"), fmt(s["s3_requests"], ".0f"), walls))
lines.append("")
lines.append("| ratio (throughput, median of per-run ratios) | backup | incremental | restore | check |")
lines.append("|---|---:|---:|---:|---:|")
r = report["ratios"]
lines.append("| strata-S3 / strata-local (target >= %.2f for backup and restore) | %s | - | %s | %s |" % (
    TARGET, *("%s %s" % (fmt(r[x]["strata_s3_vs_local"], ".2f"),
                         "" if r[x]["strata_s3_vs_local"] is None else
                         ("(met)" if r[x]["strata_s3_vs_local"] >= TARGET else "(**below target**)"))
              for x in ("backup", "restore")), fmt(r["check"]["strata_s3_vs_local"], ".2f")))
lines.append("| best S3/local this machine allows: local wall / ((strata-S3 CPU + radosgw+OSD CPU) / %d cores) "
             "| %s | - | %s | %s |" % (os.cpu_count() or 1, *(fmt(r[x]["cpu_bound_s3_vs_local"], ".2f")
                                                            for x in ("backup", "restore", "check"))))
lines.append("| strata-S3 / restic-S3 (> 1: strata faster) | %s | %s | %s | %s |" % tuple(
    fmt(r[x]["strata_s3_vs_restic_s3"], ".2f") for x in ("backup", "incremental", "restore", "check")))
lines.append("")
lines.append("S3 requests per command in run 1 (method status x count; MiB through radosgw):")
lines.append("")
for row, _ in ROWS:
    for t in TOOLS:
        m = meas.get(row, {}).get(t, {}).get(1)
        if m and m["s3_requests"] is not None:
            lines.append("- %s %s: %s; %s MiB" % (t, row, ", ".join("%s x%d" % kv for kv in m["s3_requests_by_kind"].items()),
                                                  fmt(m["s3_mib_transferred"], ".1f")))
lines.append("")
sizes = []
for t in TOOLS:
    b, n = size_of(t)
    report.setdefault("repo_size", {})[t] = {"bytes": b, "objects": n}
    if b is not None:
        sizes.append("%s %.1f MiB in %s objects" % (t, b / MIB, fmt(n, ".0f")))
lines.append("Repository after the initial backup: " + "; ".join(sizes) + ".")
osd = [int(v) for k, v in facts.items() if k.startswith("osd_rss_kib_") and v.isdigit()]
if osd:
    lines.append("OSD RSS (memstore, %s bytes cap, fixed in tests/servers/s3.sh; bucket purged after "
                 "every tool's run): max %.0f MiB over the runs." %
                 (facts.get("memstore_device_bytes", "?"), max(osd) / 1024))
lines.append("Machine: %d cores, shared by the tool and radosgw + OSD; load average %s at the start, %s at the end." %
             (os.cpu_count(), facts.get("loadavg_start", "?"), facts.get("loadavg_end", "?")))
bad = sorted(k for k, v in facts.items() if k.startswith("verify_") and v != "ok")
nver = sum(1 for k in facts if k.startswith("verify_"))
if nver:
    lines.append("Restores compared with the source (diff -r): %d of %d identical%s." %
                 (nver - len(bad), nver, "" if not bad else "; DIFFERENT: " + ", ".join(bad)))
    failed |= bool(bad)

# HTTP statuses other than 2xx seen by radosgw during each tool's commands
odd = {}
for row in meas:
    for t, runs in meas[row].items():
        for m in runs.values():
            for kind, n in m["s3_requests_by_kind"].items():
                if not kind.split()[1].startswith("2"):
                    odd.setdefault("%s %s" % (t, row), {}).setdefault(kind, 0)
                    odd["%s %s" % (t, row)][kind] += n
report["non_2xx_statuses"] = odd
if odd:
    lines.append("Non-2xx answers of radosgw during the timed commands (summed over the runs): " +
                 "; ".join("%s: %s" % (k, ", ".join("%s x%d" % kv for kv in sorted(v.items())))
                           for k, v in sorted(odd.items())) + ".")

# stderr of every strata command (restic's too, summarized)
errs = {}
for name in sorted(os.listdir(err_dir)) if os.path.isdir(err_dir) else []:
    text = open(os.path.join(err_dir, name), errors="replace").read().strip()
    if text:
        errs[name] = text.splitlines()
report["stderr"] = errs
strata_err = {k: v for k, v in errs.items() if "strata" in k}
if strata_err:
    lines.append("")
    lines.append("strata stderr (row-run-tool: lines):")
    for k, v in strata_err.items():
        for l in v[:20]:
            lines.append("    %s: %s" % (k, l))
        if len(v) > 20:
            lines.append("    %s: ... %d more lines" % (k, len(v) - 20))
else:
    lines.append("strata printed nothing on stderr in any timed command.")
other = {k: v for k, v in errs.items() if "strata" not in k}
if other:
    lines.append("restic stderr: " + "; ".join("%s: %s" % (k, v[0]) for k, v in other.items()))

text = "\n".join(lines) + "\n"
sys.stdout.write("\n" + text)
report["failed"] = failed
with open(os.path.join(out_dir, "s3-results.md"), "w") as f:
    f.write(text)
with open(os.path.join(out_dir, "s3-results.json"), "w") as f:
    json.dump(report, f, indent=2)
sys.exit(1 if failed else 0)
