#!/usr/bin/env python3
"""Strata's benchmark. Two modes (BENCH_MODE):

side-by-side (default): the same data set and scenarios for every contender, run in
alternation (A B C A B C ...), warm cache for all. Contenders: strata (default
settings), and when installed restic (defaults) and borg (zstd,3 and lz4). Scenarios:
initial backup, unchanged re-backup, backup after a 5 % mutation, full restore,
check --read-data, prune after forgetting the 5 oldest of 10 snapshots. Per scenario
and contender: wall time, MiB/s of source data, CPU seconds, peak RSS (children's
rusage), repository size; medians over the runs, and ratios strata/other. Each run
also measures the machine's ceilings (bench/ceilings.py): read, SHA-256, AES-256-GCM,
zstd at Strata's default level on all cores. Writes BENCH_OUT/results.json.

scale: how the cost of one mutation backup grows with the repository: the same kind of
mutation backup into repositories holding 1, 10 and 100 snapshots of a smaller data
set, one pass, contender after contender; then the index memory per million blobs
(strata_index_bench next to the strata binary, when built). Writes BENCH_OUT/scale.json.

Usage: bench.py STRATA_BINARY
  env: BENCH_MODE [side-by-side|scale], BENCH_DIR [/tmp/strata-bench], BENCH_OUT [bench/out]
       side-by-side: BENCH_SIZE MiB [1024], BENCH_RUNS [3]
       scale: BENCH_SCALE_SIZE MiB [256], BENCH_SCALE_SNAPSHOTS [1,10,100],
              BENCH_SCALE_CONTENDERS [strata] (any of strata,restic,borg-zstd3,borg-lz4)
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no bench/__pycache__ in the work tree
import ceilings  # noqa: E402
import gen_dataset  # noqa: E402

MIB = 1048576

# Side-by-side scenarios, in table order.
INITIAL = "initial backup"
PRUNE = "prune (forgot 5 of 10)"
SCENARIOS = [INITIAL, "unchanged backup", "backup after 5% mutation", "restore", "check --read-data", PRUNE]
NO_THROUGHPUT = {PRUNE}  # MiB/s of the data set means nothing for these

MUTATION_SEED = 7  # the timed mutation backup
PRUNE_SNAPSHOTS, PRUNE_KEEP = 10, 5
PRUNE_SEEDS = list(range(1001, 1001 + PRUNE_SNAPSHOTS - 3))  # snapshots 4..10 (set-up, untimed)
SCALE_SEED_BASE = 2000  # scale mode: snapshot k is made after mutation SCALE_SEED_BASE + k


def run(cmd, env=None, cwd=None, check=True):
    """Runs a command; returns (wall seconds, cpu seconds, peak RSS KiB)."""
    with tempfile.TemporaryFile() as errf:  # a file, not a pipe: a chatty stderr cannot block the child
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errf)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        rc = p.returncode = os.waitstatus_to_exitcode(status)
        if check and rc != 0:
            errf.seek(0)
            err = errf.read().decode(errors="replace")
            raise RuntimeError("command failed (%d): %s\n%s" % (rc, " ".join(cmd), err[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def output(cmd, env=None):
    """Runs an untimed command; returns its standard output."""
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd),
                                                             p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode(errors="replace")


def du(path):
    total = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            try:
                total += os.lstat(os.path.join(dirpath, n)).st_size
            except OSError:
                pass
    return total


class Contender:
    def __init__(self, name, work):
        self.name = name
        self.repo = os.path.join(work, "repo-" + name)
        self.env = dict(os.environ)

    def fresh(self):
        shutil.rmtree(self.repo, ignore_errors=True)


class Strata(Contender):
    def __init__(self, work, binary):
        super().__init__("strata", work)
        self.bin = binary
        self.key = os.path.join(work, "strata.key")

    def init(self):
        self.fresh()
        if os.path.exists(self.key):
            os.remove(self.key)
        return run([self.bin, "init", "-r", self.repo, "--generate-key-file", self.key, "-q"])

    def base(self):
        return [self.bin, "-r", self.repo, "--key-file", self.key, "-q"]

    def backup(self, src):
        return run(self.base() + ["backup", src])

    def restore(self, target):
        return run(self.base() + ["restore", "latest", "--target", target])

    def check(self):
        return run(self.base() + ["check", "--read-data"])

    def forget(self, keep):
        return run(self.base() + ["forget", "--keep-last", str(keep)])

    def prune(self):
        return run(self.base() + ["prune"])

    def snapshots(self):
        return len(json.loads(output(self.base() + ["--json", "snapshots"])))


class Restic(Contender):
    def __init__(self, work):
        super().__init__("restic", work)
        self.env["RESTIC_PASSWORD"] = "bench-password"
        self.env["RESTIC_CACHE_DIR"] = os.path.join(work, "restic-cache")

    def init(self):
        self.fresh()
        shutil.rmtree(self.env["RESTIC_CACHE_DIR"], ignore_errors=True)
        return run(["restic", "-r", self.repo, "init", "-q"], env=self.env)

    def backup(self, src):
        return run(["restic", "-r", self.repo, "backup", "-q", src], env=self.env)

    def restore(self, target):
        return run(["restic", "-r", self.repo, "restore", "latest", "--target", target, "-q"], env=self.env)

    def check(self):
        return run(["restic", "-r", self.repo, "check", "--read-data", "-q"], env=self.env)

    def forget(self, keep):
        return run(["restic", "-r", self.repo, "forget", "--keep-last", str(keep), "-q"], env=self.env)

    def prune(self):
        return run(["restic", "-r", self.repo, "prune", "-q"], env=self.env)

    def snapshots(self):
        out = output(["restic", "-r", self.repo, "snapshots", "--json", "-q"], env=self.env)
        return len(json.loads(out))


class Borg(Contender):
    def __init__(self, work, compression):
        super().__init__("borg-" + compression.replace(",", ""), work)
        self.compression = compression
        self.env["BORG_PASSPHRASE"] = "bench-password"
        self.env["BORG_BASE_DIR"] = os.path.join(work, "borg-base-" + self.name)
        self.n = 0

    def init(self):
        self.fresh()
        shutil.rmtree(self.env["BORG_BASE_DIR"], ignore_errors=True)
        self.n = 0
        return run(["borg", "init", "-e", "repokey", self.repo], env=self.env)

    def backup(self, src):
        self.n += 1
        return run(["borg", "create", "--compression", self.compression, "%s::s%d" % (self.repo, self.n), src],
                   env=self.env)

    def restore(self, target):
        os.makedirs(target, exist_ok=True)
        return run(["borg", "extract", "%s::s%d" % (self.repo, self.n)], env=self.env, cwd=target)

    def check(self):
        return run(["borg", "check", "--verify-data", self.repo], env=self.env)

    def forget(self, keep):
        # borg 1.2: prune deletes the archives (and decrements reference counts) ...
        return run(["borg", "prune", "--keep-last", str(keep), self.repo], env=self.env)

    def prune(self):
        # ... but only compact rewrites the segments and frees the space.
        return run(["borg", "compact", self.repo], env=self.env)

    def snapshots(self):
        out = output(["borg", "list", "--short", self.repo], env=self.env)
        return len(out.split())


def make_contenders(work, binary, names=None):
    """strata plus every installed other, or exactly `names` (error if one is missing)."""
    makers = {"strata": lambda: Strata(work, binary),
              "restic": lambda: Restic(work) if shutil.which("restic") else None,
              "borg-zstd3": lambda: Borg(work, "zstd,3") if shutil.which("borg") else None,
              "borg-lz4": lambda: Borg(work, "lz4") if shutil.which("borg") else None}
    if names is None:
        return [c for c in (m() for m in makers.values()) if c is not None]
    out = []
    for n in names:
        if n not in makers:
            sys.exit("unknown contender %r (known: %s)" % (n, ", ".join(makers)))
        c = makers[n]()
        if c is None:
            sys.exit("contender %s is not installed (scripts/install-deps.sh --bench)" % n)
        out.append(c)
    return out


def dataset(work, size):
    """The pristine data set of `size` MiB, generated once per BENCH_DIR; (path, bytes, files)."""
    pristine = os.path.join(work, "data-%d" % size)
    if not os.path.exists(os.path.join(pristine, ".complete")):
        shutil.rmtree(pristine, ignore_errors=True)
        print("generating %d MiB data set in %s ..." % (size, pristine), flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_dataset.py"), pristine, str(size)], check=True)
        open(os.path.join(pristine, ".complete"), "w").close()
    return pristine, du(pristine), sum(len(f) for _, _, f in os.walk(pristine)) - 1


def fresh_source(pristine, src):
    """A copy of the pristine data set (new inodes: the first backup reads everything)."""
    shutil.rmtree(src, ignore_errors=True)
    subprocess.run(["cp", "-a", pristine, src], check=True)
    os.remove(os.path.join(src, ".complete"))


# Trees (sources, restores) are only deleted when no measurement follows: on ext4
# without a journal (this kind of VM disk), inode allocation skips every inode freed
# in the last 60 s (up to 300 s while the inode table is dirty), so creating 50 000
# files right after deleting 50 000 is up to 10x slower for whichever tool comes next.
TREE_PREFIXES = ("src-", "restore-")


def remove_old_trees(work, settle=True):
    """Deletes trees left by an earlier bench run; then lets the file system forget
    the freed inodes before anything is measured."""
    old = [n for n in os.listdir(work) if n.startswith(TREE_PREFIXES)]
    for n in old:
        shutil.rmtree(os.path.join(work, n), ignore_errors=True)
    if old and settle:
        print("removed %d old trees; waiting 65 s for the file system to settle" % len(old), flush=True)
        subprocess.run(["sync"], check=False)
        time.sleep(65)


def machine():
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal:")), None)
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                         if l.startswith("model name")), "?"),
            "cpu_features": ceilings.cpu_features(), "mem_mib": mem}


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def side_by_side(binary, work, out_dir):
    size = int(os.environ.get("BENCH_SIZE", "1024"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    pristine, data_bytes, nfiles = dataset(work, size)
    contenders = make_contenders(work, binary)
    missing = ceilings.missing_tools()
    if missing:
        print("ceilings: %s not found, those ceilings are skipped" % ", ".join(missing), flush=True)

    remove_old_trees(work)
    results = {}  # contender -> scenario -> list of (wall, cpu, rss)
    repo_sizes, pruned_sizes, forget_walls, ceil_runs = {}, {}, {}, []
    for r in range(runs):
        print("run %d/%d: ceilings" % (r + 1, runs), flush=True)
        ceil_runs.append(ceilings.measure(pristine, data_bytes))
        for c in contenders:
            print("run %d/%d: %s" % (r + 1, runs, c.name), flush=True)
            src = os.path.join(work, "src-%d-%s" % (r + 1, c.name))
            target = os.path.join(work, "restore-%d-%s" % (r + 1, c.name))
            fresh_source(pristine, src)
            res = results.setdefault(c.name, {})
            c.init()
            res.setdefault(INITIAL, []).append(c.backup(src))
            res.setdefault("unchanged backup", []).append(c.backup(src))
            gen_dataset.mutate(src, MUTATION_SEED)
            res.setdefault("backup after 5% mutation", []).append(c.backup(src))
            res.setdefault("restore", []).append(c.restore(target))
            res.setdefault("check --read-data", []).append(c.check())
            repo_sizes.setdefault(c.name, []).append(du(c.repo))
            # Prune: set-up (untimed) to 10 snapshots, forget the 5 oldest; time the prune.
            for seed in PRUNE_SEEDS:
                gen_dataset.mutate(src, seed)
                c.backup(src)
            n = c.snapshots()
            if n != PRUNE_SNAPSHOTS:
                raise RuntimeError("%s: %d snapshots before forget, expected %d" % (c.name, n, PRUNE_SNAPSHOTS))
            forget_walls.setdefault(c.name, []).append(c.forget(PRUNE_KEEP)[0])
            n = c.snapshots()
            if n != PRUNE_KEEP:
                raise RuntimeError("%s: %d snapshots after forget, expected %d" % (c.name, n, PRUNE_KEEP))
            res.setdefault(PRUNE, []).append(c.prune())
            pruned_sizes.setdefault(c.name, []).append(du(c.repo))
    remove_old_trees(work, settle=False)  # nothing is measured after this

    report = {"mode": "side-by-side", "machine": machine(),
              "data_set": {"size_mib": size, "bytes": data_bytes, "files": nfiles}, "runs": runs,
              "ceilings": summarize_ceilings(ceil_runs), "results": {}}
    mib = data_bytes / MIB
    print()
    print("data set: %.0f MiB, %d files; medians of %d runs" % (mib, nfiles, runs))
    print_ceilings(report["ceilings"])
    print()
    print("%-26s %-12s %9s %9s %9s %10s" % ("scenario", "contender", "wall s", "MiB/s", "CPU s", "RSS MiB"))
    for s in SCENARIOS:
        for c in contenders:
            rows = results[c.name][s]
            wall = statistics.median(x[0] for x in rows)
            cpu = statistics.median(x[1] for x in rows)
            rss = statistics.median(x[2] for x in rows) / 1024
            entry = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss, "walls": [x[0] for x in rows]}
            if s in NO_THROUGHPUT:
                rate = "-"
            else:
                entry["mib_per_s"] = mib / wall
                rate = "%.1f" % (mib / wall)
            if s == PRUNE:
                entry["forget_wall_s"] = statistics.median(forget_walls[c.name])
                entry["forget_walls"] = forget_walls[c.name]
            report["results"].setdefault(s, {})[c.name] = entry
            print("%-26s %-12s %9.2f %9s %9.2f %10.1f" % (s, c.name, wall, rate, cpu, rss))
        for c in contenders[1:]:
            ratios = [results[c.name][s][i][0] / results["strata"][s][i][0] for i in range(runs)]
            report["results"][s]["speedup_vs_" + c.name] = statistics.median(ratios)
            print("%-26s strata is %.2fx as fast as %s" % ("", statistics.median(ratios), c.name))
        if s == INITIAL:
            # Both rates are MiB/s of the same source bytes: strata's share = zstd wall / strata wall.
            pct = med([100 * ceil_runs[i]["zstd"]["wall_s"] / results["strata"][s][i][0]
                       if ceil_runs[i]["zstd"] else None for i in range(runs)])
            report["results"][s]["strata_pct_of_zstd_ceiling"] = pct
            if pct is not None:
                print("%-26s strata runs at %.0f%% of the zstd ceiling" % ("", pct))
    for key, title, sizes in (("repo_size_bytes", "repository size (%d snapshots)" % 3, repo_sizes),
                              ("repo_size_after_prune_bytes", "repository size after prune (%d snapshots)"
                               % PRUNE_KEEP, pruned_sizes)):
        print(title)
        for c in contenders:
            report.setdefault(key, {})[c.name] = statistics.median(sizes[c.name])
            print("%-26s %-12s %9.1f MiB" % ("", c.name, statistics.median(sizes[c.name]) / MIB))
    path = os.path.join(out_dir, "results.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print("\nresults written to %s" % path)


def summarize_ceilings(runs):
    """Medians over the runs of every ceiling; per-run values kept alongside."""
    first = runs[0]
    out = {"cores": first["cores"],
           "read": {"mib_per_s": med(r["read"]["mib_per_s"] for r in runs),
                    "walls": [r["read"]["wall_s"] for r in runs]}}
    for key in ("sha256", "aes_256_gcm"):
        out[key] = None if first[key] is None else {
            k: med(r[key][k] for r in runs) for k in ("mib_per_s_1_core", "mib_per_s_all_cores")}
    out["zstd"] = None if first["zstd"] is None else {
        "command": first["zstd"]["command"] + " (input: tar of the data set)",
        "mib_per_s": med(r["zstd"]["mib_per_s"] for r in runs),
        "cpu_s": med(r["zstd"]["cpu_s"] for r in runs), "walls": [r["zstd"]["wall_s"] for r in runs]}
    return out


def print_ceilings(c):
    n = c["cores"]
    print("ceilings (this machine, this run):")
    print("  %-44s %9.1f MiB/s" % ("read the data set (1 thread, warm cache)", c["read"]["mib_per_s"]))
    for key, name in (("sha256", "SHA-256"), ("aes_256_gcm", "AES-256-GCM")):
        label = "%s (OpenSSL), 1 core / %d cores" % (name, n)
        if c[key] is None:
            print("  %-44s %9s (openssl not found)" % (label, "-"))
        else:
            print("  %-44s %9.1f / %.1f MiB/s" % (label, c[key]["mib_per_s_1_core"], c[key]["mib_per_s_all_cores"]))
    label = "zstd %s, %d threads, 1 MiB blocks" % (" ".join(ceilings.STRATA_ZSTD_ARGS), n)
    if c["zstd"] is None:
        print("  %-44s %9s (zstd or tar not found)" % (label, "-"))
    else:
        print("  %-44s %9.1f MiB/s" % (label, c["zstd"]["mib_per_s"]))


def index_memory(binary):
    """Runs strata_index_bench (next to the strata binary, or BENCH_INDEX_BENCH) if it
    exists; returns (its JSON or None, a one-line note)."""
    exe = os.environ.get("BENCH_INDEX_BENCH") or os.path.join(os.path.dirname(binary), "strata_index_bench")
    if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
        return None, "%s not found (build target strata_index_bench); skipped" % exe
    try:
        out = output([exe])
        line = next(l for l in reversed(out.splitlines()) if l.strip().startswith("{")).strip()
        res = json.loads(line)
        per = res.get("bytes_per_blob")
        head = "%.1f MiB (%.1f bytes per blob); " % (per * 1e6 / MIB, per) if isinstance(per, (int, float)) else ""
        return res, "%s%s: %s" % (head, exe, line)
    except (RuntimeError, StopIteration, ValueError) as e:
        return None, "%s failed: %s" % (exe, str(e).strip().splitlines()[0] if str(e).strip() else "no JSON line")


def scale(binary, work, out_dir):
    size = int(os.environ.get("BENCH_SCALE_SIZE", "256"))
    steps = sorted({int(x) for x in os.environ.get("BENCH_SCALE_SNAPSHOTS", "1,10,100").split(",") if x.strip()})
    if not steps or steps[0] < 1:
        sys.exit("BENCH_SCALE_SNAPSHOTS: snapshot counts of at least 1, e.g. 1,10,100")
    names = [x.strip() for x in os.environ.get("BENCH_SCALE_CONTENDERS", "strata").split(",") if x.strip()]
    contenders = make_contenders(work, binary, names)
    pristine, data_bytes, nfiles = dataset(work, size)
    src = os.path.join(work, "src")
    report = {"mode": "scale", "machine": machine(),
              "data_set": {"size_mib": size, "bytes": data_bytes, "files": nfiles},
              "snapshots": steps, "results": {}}
    for c in contenders:
        fresh_source(pristine, src)
        c.init()
        t0 = time.monotonic()
        print("scale: %s: initial backup" % c.name, flush=True)
        c.backup(src)
        snaps, seed, rows = 1, SCALE_SEED_BASE, []
        for n in steps:
            if snaps < n:
                print("scale: %s: %d -> %d snapshots (set-up) ..." % (c.name, snaps, n), flush=True)
            while snaps < n:
                seed += 1
                gen_dataset.mutate(src, seed, steady=True)
                c.backup(src)
                snaps += 1
            seed += 1
            changed = gen_dataset.mutate(src, seed, steady=True)
            wall, cpu, rss = c.backup(src)
            snaps += 1
            rows.append({"snapshots_before": n, "changed_bytes": changed, "data_bytes": du(src),
                         "wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss / 1024,
                         "changed_mib_per_s": changed / MIB / wall, "repo_size_bytes": du(c.repo)})
        report["results"][c.name] = {"steps": rows, "total_s": time.monotonic() - t0}
        shutil.rmtree(c.repo, ignore_errors=True)  # 100 snapshots take room; one repository at a time
    shutil.rmtree(src, ignore_errors=True)
    report["index_memory"], note = index_memory(binary)

    print()
    print("scale: data set %.0f MiB, %d files; one mutation backup (steady ~5 %% change) into a repository "
          "holding N snapshots; one pass" % (data_bytes / MIB, nfiles))
    print("%-12s %9s %11s %9s %8s %8s %8s %9s %11s" % ("contender", "N snaps", "changed MiB", "data MiB", "wall s",
                                                       "CPU s", "RSS MiB", "repo MiB", "chg MiB/s"))
    for c in contenders:
        for row in report["results"][c.name]["steps"]:
            print("%-12s %9d %11.1f %9.1f %8.2f %8.2f %8.1f %9.1f %11.1f" % (
                c.name, row["snapshots_before"], row["changed_bytes"] / MIB, row["data_bytes"] / MIB, row["wall_s"],
                row["cpu_s"], row["peak_rss_mib"], row["repo_size_bytes"] / MIB, row["changed_mib_per_s"]))
    print("index memory per million blobs: %s" % note)
    report["index_memory_note"] = note
    path = os.path.join(out_dir, "scale.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print("\nresults written to %s" % path)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    mode = os.environ.get("BENCH_MODE", "side-by-side") or "side-by-side"
    work = os.environ.get("BENCH_DIR", "/tmp/strata-bench")
    out_dir = os.environ.get("BENCH_OUT", os.path.join(HERE, "out"))
    modes = {"side-by-side": side_by_side, "scale": scale}
    if mode not in modes:
        sys.exit("BENCH_MODE must be side-by-side (default) or scale, not %r" % mode)
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)
    modes[mode](binary, work, out_dir)


if __name__ == "__main__":
    main()
