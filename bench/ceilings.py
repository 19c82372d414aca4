#!/usr/bin/env python3
"""Ceilings for Strata's benchmark, measured on the same machine in the same run as the
contenders: how fast this machine can read the data set, hash it with SHA-256, seal it
with AES-256-GCM (OpenSSL) and compress it with zstd at Strata's default settings on
all cores. A backup cannot be faster than the slowest stage it needs; the ceilings say
how far a contender is from the machine's limit.

Usage: ceilings.py DATA_DIR   (prints the ceilings as JSON; bench.py imports measure())
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# zstd CLI arguments equivalent to Strata's default compression. This MUST mirror what
# Strata does by default (src/repo/blob.cpp with the level from the repository config,
# default 3 in src/repo/repo_config.h): change both together.
STRATA_ZSTD_ARGS = ["-3", "--zstd=strategy=1,hlog=17,mml=5"]

# Strata compresses chunks of 1 MiB on average, independently, on every core.
ZSTD_BLOCK = "1M"

OPENSSL_SECONDS = 2
OPENSSL_BYTES = 1048576
CPU_FEATURES = ["sha_ni", "vaes", "aes", "avx2", "avx512f"]
MIB = 1048576


def ncpu():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def cpu_features():
    """The CPU features that matter to hashing, AES and compression, as in /proc/cpuinfo."""
    found = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    found.update(line.split(":", 1)[1].split())
    except OSError:
        pass
    return sorted(x for x in CPU_FEATURES if x in found)


def missing_tools():
    return [t for t in ("openssl", "zstd", "tar") if shutil.which(t) is None]


def _timed(cmd, **kw):
    """Runs cmd to completion; returns (wall s, cpu s of it and its children)."""
    with tempfile.TemporaryFile() as errf:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, **kw)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        rc = p.returncode = os.waitstatus_to_exitcode(status)
        if rc != 0:
            errf.seek(0)
            raise RuntimeError("command failed (%d): %s\n%s" % (rc, " ".join(cmd),
                                                                errf.read().decode(errors="replace")[-2000:]))
    return wall, ru.ru_utime + ru.ru_stime


def _read_all(root):
    """Reads every regular file under root once, 1 MiB at a time; returns bytes read."""
    buf = bytearray(MIB)
    views = [memoryview(buf)]
    total = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            try:
                fd = os.open(os.path.join(dirpath, n), os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue  # symlinks, sockets
            try:
                while True:
                    k = os.readv(fd, views)
                    if k == 0:
                        break
                    total += k
            finally:
                os.close(fd)
    return total


def read_ceiling(root):
    """Wall time of one pass reading every file (walk included), single thread, warm
    cache: an untimed pass first loads the page cache."""
    _read_all(root)
    t0 = time.monotonic()
    n = _read_all(root)
    wall = time.monotonic() - t0
    return {"wall_s": wall, "bytes": n, "mib_per_s": n / MIB / wall}


def openssl_speed(alg, processes):
    """`openssl speed -evp ALG` on 1 MiB buffers, in MiB/s summed over `processes`
    processes (1: no -multi)."""
    cmd = ["openssl", "speed", "-elapsed", "-seconds", str(OPENSSL_SECONDS), "-bytes", str(OPENSSL_BYTES)]
    if processes > 1:
        cmd += ["-multi", str(processes)]
    cmd += ["-evp", alg]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    # The result is the last line "<name> <value>k": 1000s of bytes per second.
    for line in reversed(out.splitlines()):
        m = re.match(r"^(\S+)\s+([0-9.]+)k\s*$", line.strip())
        if m and m.group(1).lower() == alg.lower():
            return float(m.group(2)) * 1000 / MIB
    raise RuntimeError("cannot parse `%s` output:\n%s" % (" ".join(cmd), out[-1000:]))


def zstd_ceiling(root, data_bytes, threads):
    """The data set as one tar stream (1 MiB records) through `zstd -T<threads> -B1M
    STRATA_ZSTD_ARGS`, output discarded; MiB/s of source data (file contents)."""
    zstd = ["zstd", "-q", "-c", "-T%d" % threads, "-B" + ZSTD_BLOCK] + STRATA_ZSTD_ARGS
    script = "set -o pipefail; tar -cf - -b 2048 --exclude=./.complete -C \"$1\" . | %s > /dev/null" % " ".join(
        "'%s'" % a.replace("'", "'\\''") for a in zstd)
    wall, cpu = _timed(["bash", "-c", script, "zstd-ceiling", root])
    return {"wall_s": wall, "cpu_s": cpu, "mib_per_s": data_bytes / MIB / wall, "command": " ".join(zstd)}


def measure(root, data_bytes):
    """Every ceiling once; a ceiling whose tool is missing is None."""
    n = ncpu()
    have = lambda t: shutil.which(t) is not None  # noqa: E731
    out = {"cores": n, "read": read_ceiling(root)}
    for key, alg in (("sha256", "sha256"), ("aes_256_gcm", "aes-256-gcm")):
        if have("openssl"):
            out[key] = {"mib_per_s_1_core": openssl_speed(alg, 1), "mib_per_s_all_cores": openssl_speed(alg, n)}
        else:
            out[key] = None
    out["zstd"] = zstd_ceiling(root, data_bytes, n) if have("zstd") and have("tar") else None
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    size = sum(os.lstat(os.path.join(d, f)).st_size for d, _, fs in os.walk(sys.argv[1]) for f in fs)
    print(json.dumps({"cpu_features": cpu_features(), "ceilings": measure(sys.argv[1], size)}, indent=2))
