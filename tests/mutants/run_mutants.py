#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Planted-bug runner: apply each mutant of tests/mutants/catalogue.txt to a scratch copy of the tree,
rebuild what its killer needs, run the killer, and fail if any mutant survives.

Usage: run_mutants.py [--fast] [--only ID[,ID...]] [--list] [--keep] [--jobs N] SOURCE_DIR

A mutant is found by an anchor (a barrier label comment, a spec line label or a unique code pattern),
never by a line number, so the catalogue follows the code as it changes. A mutant whose anchor or edit
no longer matches is an error (the catalogue is stale), not a pass. Exit 0 when every selected mutant
is killed, 1 when one survives or is stale, 2 on bad usage or a setup failure.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

FIELDS = ("file", "anchor", "find", "replace", "build", "kill", "fast", "why", "within")


def parse_catalogue(path):
    """INI-like blocks: [ID] then key = value lines; a value may continue on lines starting with '  '."""
    mutants, cur, key = [], None, None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            m = re.fullmatch(r"\[([A-Za-z0-9_.+-]+)\]", line.strip())
            if m:
                cur = {"id": m.group(1), "line": n}
                mutants.append(cur)
                key = None
                continue
            if cur is None:
                raise SystemExit(f"{path}:{n}: a key outside a [mutant] block")
            m = re.fullmatch(r"(\w+)\s*=\s?(.*)", line)
            if m and m.group(1) in FIELDS:
                key = m.group(1)
                cur[key] = m.group(2)
            elif line.startswith("  ") and key:
                cur[key] += "\n" + line[2:]
            else:
                raise SystemExit(f"{path}:{n}: cannot parse '{line}' (keys: {', '.join(FIELDS)})")
    for mu in mutants:
        for k in ("file", "anchor", "find", "kill"):
            if k not in mu:
                raise SystemExit(f"{path}:{mu['line']}: mutant {mu['id']} has no '{k}'")
        mu.setdefault("replace", "")
        mu["replace"] = mu["replace"].replace("\\n", "\n")
        mu["find"] = mu["find"].replace("\\n", "\n")
        mu.setdefault("build", "")
        mu.setdefault("fast", "no")
        mu.setdefault("within", "2000")
    ids = [m["id"] for m in mutants]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise SystemExit(f"{path}: duplicate mutant ids: {', '.join(sorted(dup))}")
    return mutants


def mutate(text, mu):
    """The first `find` at or after the (unique) anchor, within `within` characters of it."""
    a = text.find(mu["anchor"])
    if a < 0:
        return None, "anchor not found"
    if text.find(mu["anchor"], a + 1) >= 0:
        return None, "anchor is not unique"
    i = text.find(mu["find"], a)
    if i < 0 or i - a > int(mu["within"]):
        return None, f"'{mu['find']}' not found within {mu['within']} characters after the anchor"
    return text[:i] + mu["replace"] + text[i + len(mu["find"]):], None


def sh(cmd, cwd, log, timeout=None, env=None):
    with open(log, "a", encoding="utf-8") as f:
        f.write(f"\n$ {cmd}\n")
        f.flush()
        try:
            return subprocess.run(cmd, shell=True, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout, env=env).returncode
        except subprocess.TimeoutExpired:
            f.write(f"(timed out after {timeout} s)\n")
            return 124


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="the vbus source tree (the scratch copy is made from it)")
    ap.add_argument("--catalogue", help="default: SOURCE/tests/mutants/catalogue.txt")
    ap.add_argument("--fast", action="store_true", help="only mutants marked fast = yes (the make check subset)")
    ap.add_argument("--only", help="comma-separated mutant ids")
    ap.add_argument("--list", action="store_true", help="print the selected mutants and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every selected mutant still applies to SOURCE (no build)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=int, default=240, help="seconds per killer run (a hang counts as killed)")
    args = ap.parse_args()

    src = os.path.abspath(args.source)
    cat = args.catalogue or os.path.join(src, "tests/mutants/catalogue.txt")
    mutants = parse_catalogue(cat)
    if args.fast:
        mutants = [m for m in mutants if m["fast"] == "yes"]
    if args.only:
        want = args.only.split(",")
        unknown = [w for w in want if w not in {m["id"] for m in mutants}]
        if unknown:
            print(f"run_mutants: unknown mutant(s): {', '.join(unknown)}", file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m["id"] in want]
    if args.list:
        for m in mutants:
            print(f"{m['id']:28} {m['file']:34} kill: {m['kill']}")
        return 0
    if not mutants:
        print("run_mutants: no mutant selected", file=sys.stderr)
        return 2
    if args.check:
        bad = 0
        for m in mutants:
            try:
                with open(os.path.join(src, m["file"]), encoding="utf-8") as f:
                    _, err = mutate(f.read(), m)
            except OSError as e:
                err = str(e)
            if err:
                bad += 1
                print(f"  STALE {m['id']}: {m['file']}: {err}")
        fast = sum(1 for m in mutants if m["fast"] == "yes")
        print(f"run_mutants: {len(mutants)} mutants ({fast} fast), {bad} stale")
        return 1 if bad else 0

    work = tempfile.mkdtemp(prefix="vbus-mutants-")
    scratch, build, log = os.path.join(work, "src"), os.path.join(work, "build"), os.path.join(work, "log")
    t0 = time.time()
    # The scratch copy: every tracked and untracked-but-not-ignored file of the tree as it is now.
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=src,
                           check=True, capture_output=True).stdout.split(b"\0")
    for rel in files:
        if not rel:
            continue
        r = rel.decode()
        s = os.path.join(src, r)
        if not os.path.isfile(s):
            continue
        d = os.path.join(scratch, r)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(s, d)
    rtl = "ON" if any(m["file"].startswith("rtl-accel/") for m in mutants) else "OFF"
    env = dict(os.environ)
    env.pop("VBUS_SOURCE_DIR", None)
    env.pop("VBUS_BINARY_DIR", None)
    # Ninja when present: its no-op and one-file rebuilds cost milliseconds, not make's seconds per target.
    gen = "-G Ninja" if shutil.which("ninja") else ""
    if sh(f"cmake {gen} -S {scratch} -B {build} -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVBUS_SANITIZE= "
          f"-DVBUS_BUILD_RTL={rtl}", work, log, env=env):
        print(f"run_mutants: configuring the scratch copy failed (log: {log})", file=sys.stderr)
        return 2
    targets = sorted({t for m in mutants for t in m["build"].split()})
    tflag = " ".join(f"--target {t}" for t in targets) if targets else ""
    if sh(f"cmake --build {build} -j{args.jobs} {tflag}", work, log, env=env):
        print(f"run_mutants: the unmutated scratch build failed (log: {log})", file=sys.stderr)
        return 2
    print(f"run_mutants: {len(mutants)} mutant(s), scratch {work}, setup {time.time() - t0:.0f} s", flush=True)
    # A kill only counts when the killer passes on the unmutated tree: run each distinct ctest killer once
    # first (command killers are ctest tests of their own on the real code: core.litmus, model.explore-core-*).
    renv = dict(env, VBUS_SOURCE_DIR=scratch, VBUS_BINARY_DIR=build)
    for kill in sorted({m["kill"] for m in mutants if m["kill"].startswith("ctest ")}):
        cmd = f"ctest --test-dir {build} --output-on-failure -E '^mutation' " + kill[6:]
        rc = sh(cmd, build, log, timeout=args.timeout, env=renv)
        if rc != 0:
            print(f"run_mutants: the killer '{kill}' fails on the UNMUTATED tree (exit {rc}): no kill by it "
                  f"would mean anything (log: {log})", file=sys.stderr)
            return 1

    killed, survived, stale = [], [], []
    for m in mutants:
        path = os.path.join(scratch, m["file"])
        try:
            with open(path, encoding="utf-8") as f:
                orig = f.read()
        except OSError as e:
            stale.append(m["id"])
            print(f"  STALE    {m['id']}: {e}")
            continue
        new, err = mutate(orig, m)
        if err:
            stale.append(m["id"])
            print(f"  STALE    {m['id']}: {m['file']}: {err}")
            continue
        t1 = time.time()
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
        try:
            bflag = " ".join(f"--target {t}" for t in m["build"].split())
            if sh(f"cmake --build {build} -j{args.jobs} {bflag}", work, log, env=env):
                stale.append(m["id"])
                print(f"  STALE    {m['id']}: the mutant does not compile (log: {log})")
                continue
            kill = m["kill"].replace("@BIN@", os.path.join(build, "bin")).replace("@BUILD@", build) \
                            .replace("@SRC@", scratch)
            if kill.startswith("ctest "):
                kill = f"ctest --test-dir {build} --output-on-failure -E '^mutation' " + kill[6:]
            rc = sh(kill, build, log, timeout=args.timeout, env=renv)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(orig)
        dt = time.time() - t1
        if rc == 0:
            survived.append(m["id"])
            print(f"  SURVIVED {m['id']:28} ({dt:5.1f} s) {m['file']}: killer '{m['kill']}' passed")
        elif rc == 77:
            survived.append(m["id"])
            print(f"  SKIPPED  {m['id']:28} ({dt:5.1f} s) the killer skipped (77): counts as survived")
        else:
            killed.append(m["id"])
            print(f"  killed   {m['id']:28} ({dt:5.1f} s) by {m['kill']} (exit {rc})", flush=True)
    # leave the build tree consistent with the sources for --keep
    total = len(mutants)
    print(f"run_mutants: mutation score {len(killed)}/{total} killed"
          f" ({100.0 * len(killed) / total:.0f}%), {len(survived)} survived, {len(stale)} stale;"
          f" {time.time() - t0:.0f} s")
    if survived:
        print(f"run_mutants: SURVIVED: {', '.join(survived)}")
    if stale:
        print(f"run_mutants: STALE (anchor/edit no longer matches, or does not compile): {', '.join(stale)}")
    if args.keep or survived or stale:
        print(f"run_mutants: scratch kept in {work} (build log: {log})")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if not survived and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
