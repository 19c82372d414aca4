#!/usr/bin/env python3
"""Strata's benchmark: the same data set and scenarios for every contender, run side
by side in alternation (A B C A B C ...), warm cache for all.

Contenders: strata (default settings), and when installed restic (defaults) and
borg (zstd,3 and lz4). Scenarios: initial backup, unchanged re-backup, backup after a
5 % mutation, full restore, check --read-data. Per scenario and contender: wall time,
MiB/s of source data, CPU seconds, peak RSS (children's rusage), repository size;
medians over the runs, and ratios strata/other.

Usage: bench.py STRATA_BINARY   (env: BENCH_SIZE MiB [1024], BENCH_RUNS [3],
                                 BENCH_DIR [/tmp/strata-bench], BENCH_OUT [bench/out])
"""
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, env=None, cwd=None, check=True):
    """Runs a command; returns (wall seconds, cpu seconds, peak RSS KiB)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    rc = os.waitstatus_to_exitcode(status)
    if check and rc != 0:
        raise RuntimeError("command failed (%d): %s\n%s" % (rc, " ".join(cmd), err[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


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


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    size = int(os.environ.get("BENCH_SIZE", "1024"))
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    work = os.environ.get("BENCH_DIR", "/tmp/strata-bench")
    out_dir = os.environ.get("BENCH_OUT", os.path.join(os.path.dirname(HERE), "bench", "out"))
    os.makedirs(work, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)

    pristine = os.path.join(work, "data-%d" % size)
    if not os.path.exists(os.path.join(pristine, ".complete")):
        shutil.rmtree(pristine, ignore_errors=True)
        print("generating %d MiB data set in %s ..." % (size, pristine), flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "gen_dataset.py"), pristine, str(size)], check=True)
        open(os.path.join(pristine, ".complete"), "w").close()
    data_bytes = du(pristine)
    nfiles = sum(len(f) for _, _, f in os.walk(pristine))

    contenders = [Strata(work, binary)]
    if shutil.which("restic"):
        contenders.append(Restic(work))
    if shutil.which("borg"):
        contenders += [Borg(work, "zstd,3"), Borg(work, "lz4")]

    src = os.path.join(work, "src")  # same path for everyone
    target = os.path.join(work, "restore")
    results = {}  # contender -> scenario -> list of (wall, cpu, rss)
    repo_sizes = {}
    for r in range(runs):
        for c in contenders:
            print("run %d/%d: %s" % (r + 1, runs, c.name), flush=True)
            shutil.rmtree(src, ignore_errors=True)
            subprocess.run(["cp", "-a", pristine, src], check=True)
            os.remove(os.path.join(src, ".complete"))
            res = results.setdefault(c.name, {})
            c.init()
            res.setdefault("initial backup", []).append(c.backup(src))
            res.setdefault("unchanged backup", []).append(c.backup(src))
            subprocess.run([sys.executable, os.path.join(HERE, "gen_dataset.py"), "--mutate", src, "7"], check=True)
            res.setdefault("backup after 5% mutation", []).append(c.backup(src))
            shutil.rmtree(target, ignore_errors=True)
            res.setdefault("restore", []).append(c.restore(target))
            res.setdefault("check --read-data", []).append(c.check())
            repo_sizes.setdefault(c.name, []).append(du(c.repo))
            shutil.rmtree(target, ignore_errors=True)

    scenarios = ["initial backup", "unchanged backup", "backup after 5% mutation", "restore", "check --read-data"]
    report = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                                       if l.startswith("model name")), "?")},
              "data_set": {"size_mib": size, "bytes": data_bytes, "files": nfiles}, "runs": runs, "results": {}}
    mib = data_bytes / 1048576
    print()
    print("data set: %.0f MiB, %d files; medians of %d runs" % (mib, nfiles, runs))
    print("%-26s %-12s %9s %9s %9s %10s" % ("scenario", "contender", "wall s", "MiB/s", "CPU s", "RSS MiB"))
    for s in scenarios:
        for c in contenders:
            rows = results[c.name][s]
            wall = statistics.median(x[0] for x in rows)
            cpu = statistics.median(x[1] for x in rows)
            rss = statistics.median(x[2] for x in rows) / 1024
            report["results"].setdefault(s, {})[c.name] = {"wall_s": wall, "mib_per_s": mib / wall, "cpu_s": cpu,
                                                          "peak_rss_mib": rss, "walls": [x[0] for x in rows]}
            print("%-26s %-12s %9.2f %9.1f %9.2f %10.1f" % (s, c.name, wall, mib / wall, cpu, rss))
        for c in contenders[1:]:
            ratios = [results[c.name][s][i][0] / results["strata"][s][i][0] for i in range(runs)]
            report["results"][s]["speedup_vs_" + c.name] = statistics.median(ratios)
            print("%-26s strata is %.2fx as fast as %s" % ("", statistics.median(ratios), c.name))
    print("%-26s" % "repository size")
    for c in contenders:
        report.setdefault("repo_size_bytes", {})[c.name] = statistics.median(repo_sizes[c.name])
        print("%-26s %-12s %9.1f MiB" % ("", c.name, statistics.median(repo_sizes[c.name]) / 1048576))
    path = os.path.join(out_dir, "results.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print("\nresults written to %s" % path)


if __name__ == "__main__":
    main()
