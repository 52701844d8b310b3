#!/usr/bin/env python3
"""Fault-injection runner: the workload (fault_workload) under the shim (fault_shim.so)
with one fault at one step per run, for every step and fault kind (--full) or a seeded
sample of them (default). Called by Tests/faults/run.sh, which builds both.

For each profile it first runs the workload without a fault, recording every step
(FAULT_TRACE), then for each chosen (kind, N) runs the workload with the fault at the
N-th step the kind applies to, and then `fault_workload check` without the fault.
A case passes when the run ends as expected (exit 0; exit 86 for a crash at the step)
within the timeout, with the fault injected, and the check passes. See
docs/reliability.md, "Fault injection"."""
import argparse
import collections
import concurrent.futures
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

KINDS = {"enospc": "E", "eio": "I", "short": "S", "fsync": "F", "crash": "C"}
PROFILES = ("main", "normal", "background")
CRASH_STATUS = 86

# Known engine defects, reported and not fixed yet. A failing case whose every FINDING
# matches one of these (and whose injected fault matches its fault pattern) is counted
# as "known" under the defect's name instead of failing the run; --strict counts it as
# a failure. Each entry: (name, pattern of the injected fault or None, pattern of the
# FINDING line). Remove an entry once the engine is fixed.
KNOWN_DEFECTS: list = []  # none open


def parse_trace(path):
    """The steps of a run: (number, call, path, bytes, letters of the kinds that apply)."""
    steps = []
    with open(path) as trace:
        for line in trace:
            number, call, file, size, *letters = line.split()
            steps.append((int(number), call, file, int(size), letters[0] if letters else ""))
    return steps


def kind_steps(steps, kind):
    """The steps the kind applies to, in order (the shim's FAULT_STEP counts these)."""
    return [step for step in steps if KINDS[kind] in step[4]]


def describe(step, root):
    number, call, file, size, _ = step
    name = os.path.relpath(file, root)
    return f"step {number}: {call} {name}" + (f" ({size} bytes)" if size else "")


# What one case came to: why it failed (None: it passed), whether the fault was
# injected, the known defect it showed (or None), whether the fault hit the background thread.
Outcome = collections.namedtuple("Outcome", "reason reached known background")


def known_defect(fault, findings):
    """The name of the known defect that explains every finding of a case, or None."""
    for name, fault_pattern, finding_pattern in KNOWN_DEFECTS:
        if fault_pattern and not re.search(fault_pattern, fault):
            continue
        if findings and all(re.search(finding_pattern, finding) for finding in findings):
            return name
    return None


class Runner:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="omendb-faults.", dir=os.environ.get("TMPDIR"))

    def run_workload(self, profile, case_dir, kind=None, step=None, trace=None):
        """Runs the workload in case_dir/root/db; returns (returncode or 'timeout', stdout, stderr)."""
        root = os.path.join(case_dir, "root")
        os.makedirs(root)
        env = dict(os.environ, LD_PRELOAD=self.args.shim, FAULT_DIR=root)
        if trace:
            env["FAULT_TRACE"] = trace
        if kind:
            env.update(FAULT_KIND=kind, FAULT_STEP=str(step))
        return self.process([self.args.driver, "run", profile, os.path.join(root, "db"),
                             os.path.join(case_dir, "status")], env)

    def check(self, profile, case_dir):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FAULT_") and k != "LD_PRELOAD"}
        return self.process([self.args.driver, "check", profile, os.path.join(case_dir, "root", "db"),
                             os.path.join(case_dir, "status")], env)

    def process(self, command, env):
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=self.args.timeout)
            return done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as expired:
            return "timeout", expired.stdout or "", expired.stderr or ""

    def clean_run(self, profile):
        case_dir = os.path.join(self.work, f"{profile}-clean")
        trace = os.path.join(case_dir, "trace")
        os.makedirs(case_dir)
        rc, out, err = self.run_workload(profile, case_dir, trace=trace)
        if rc != 0:
            sys.exit(f"the {profile} workload fails without a fault (status {rc}):\n{err}")
        rc, out, err = self.check(profile, case_dir)
        if rc != 0:
            sys.exit(f"the {profile} workload's check fails without a fault (status {rc}):\n{err}")
        steps = parse_trace(trace)
        shutil.rmtree(case_dir)
        missing = [kind for kind in KINDS if not kind_steps(steps, kind)]
        if missing:
            sys.exit(f"the shim saw no step for {', '.join(missing)} in the {profile} workload "
                     f"({len(steps)} steps): does LD_PRELOAD intercept libomendb's calls?")
        return steps

    def run_case(self, profile, kind, n, step):
        """Runs one case (a process with the fault, then one checking without it): an Outcome."""
        case_dir = os.path.join(self.work, f"{profile}-{kind}-{n}")
        os.makedirs(case_dir)
        rc, out, err = self.run_workload(profile, case_dir, kind, n)
        reason = None
        # In the background profile, threads interleave: step N may be another call than in
        # the clean run, or (near the end) not be reached at all.
        reached = "fault:" in out or "[fault:" in err or rc == CRASH_STATUS
        background = "(in another thread)" in out
        if rc == "timeout":
            reason = f"the run hung (no exit within {self.args.timeout} s)"
        elif isinstance(rc, int) and rc < 0:
            reason = f"the run died with signal {-rc}"
        # A crash must happen when its step is reached; a background step near the end
        # may not be reached at all (then the run ends normally and is checked as one).
        elif rc not in (0, CRASH_STATUS) or \
                (rc == CRASH_STATUS) != (kind == "crash" and (reached or profile != "background")):
            reason = f"the run exited with status {rc}"
        elif not reached and profile != "background":
            reason = "the fault was not injected (the step was not reached)"
        if reason is None:
            rc, check_out, check_err = self.check(profile, case_dir)
            if rc != 0:
                reason = f"the check after the run failed (status {rc})"
                err += check_err
        if reason is None:
            shutil.rmtree(case_dir)
            return Outcome(None, reached, None, background)
        findings = [line for line in err.splitlines() if line.startswith("FINDING")]
        # The injected fault, as the run printed it (a FINDING names it too).
        fault = "\n".join([line for line in out.splitlines() if line.startswith("fault:")] + findings)
        known = None if self.args.strict or rc == "timeout" or (isinstance(rc, int) and rc < 0) \
            else known_defect(fault, findings)
        if self.args.keep and not known:
            kept = os.path.join(self.args.keep, f"{profile}-{kind}-{n}")
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(case_dir, kept)
        shutil.rmtree(case_dir)
        detail = "\n      ".join(findings or err.strip().splitlines()[-6:])
        return Outcome(f"{reason}\n      {detail}".rstrip(), reached, known, background)

    def main(self):
        args = self.args
        started = time.monotonic()
        profiles = PROFILES if args.profile == "all" else (args.profile,)
        cases = []
        seed = args.seed if args.seed is not None else random.randrange(1 << 32)
        rng = random.Random(seed)
        single = None
        if args.case:
            profile, kind, n = args.case.split(":")
            single = (profile, kind, int(n))
            profiles = (profile,)
        print(f"fault injection: profiles {', '.join(profiles)}; "
              + ("every step x every kind" if args.full or single else f"sample {args.fraction:.0%}, seed {seed}"))
        totals = {}
        for profile in profiles:
            steps = self.clean_run(profile)
            counts = {kind: len(kind_steps(steps, kind)) for kind in KINDS}
            totals[profile] = (len(steps), counts)
            print(f"  {profile}: {len(steps)} steps in a clean run; steps per kind: "
                  + ", ".join(f"{kind} {count}" for kind, count in counts.items()))
            for kind in KINDS:
                applicable = kind_steps(steps, kind)
                numbers = range(1, len(applicable) + 1)
                if single:
                    numbers = [single[2]] if kind == single[1] else []
                elif not args.full:
                    numbers = sorted(rng.sample(numbers, max(1, round(len(numbers) * args.fraction))))
                for n in numbers:
                    step = applicable[n - 1] if n <= len(applicable) else (0, "?", "?", 0, "")
                    cases.append((profile, kind, n, step))
        results = collections.defaultdict(collections.Counter)
        failures = []
        known = collections.defaultdict(list)
        background_faults = 0  # faults that hit the engine's background thread
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = {pool.submit(self.run_case, *case): case for case in cases}
            for future in concurrent.futures.as_completed(futures):
                profile, kind, n, step = futures[future]
                outcome = future.result()
                counter = results[(profile, kind)]
                counter["run"] += 1
                counter["reached"] += int(outcome.reached)
                background_faults += int(outcome.background)
                if outcome.known:
                    counter["known"] += 1
                    known[outcome.known].append(f"{profile}:{kind}:{n}")
                elif outcome.reason:
                    counter["failed"] += 1
                    failures.append((profile, kind, n, step, outcome.reason))
                    print(f"  FAIL {profile} {kind} #{n} ({describe(step, self.work)}): {outcome.reason}", flush=True)
        elapsed = time.monotonic() - started
        print("results (cases run / fault reached / failed / failed with a known defect):")
        for profile in profiles:
            for kind in KINDS:
                c = results[(profile, kind)]
                if c["run"]:
                    print(f"  {profile:10} {kind:7} {c['run']:4} / {c['reached']:4} / {c['failed']:3} / {c['known']:3}")
        for defect, names in known.items():
            print(f"known defect ({len(names)} cases): {defect}\n  cases: {' '.join(sorted(names))}")
        failures.sort()
        for profile, kind, n, step, reason in failures:
            print(f"FAILED {profile}:{kind}:{n} [{step[1]} {os.path.basename(step[2])}] — reproduce with: "
                  f"bash Tests/faults/run.sh --case {profile}:{kind}:{n} --keep DIR\n    {reason}")
        run = sum(c["run"] for c in results.values())
        print(f"faults injected in the engine's background thread: {background_faults}")
        print(f"fault injection: {run} cases, {len(failures)} failed, "
              f"{sum(len(names) for names in known.values())} known defects, {elapsed:.0f} s"
              + ("" if args.full or single else f" (seed {seed})"))
        shutil.rmtree(self.work, ignore_errors=True)
        return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--driver", required=True, help="the fault_workload executable")
    parser.add_argument("--shim", required=True, help="fault_shim.so")
    parser.add_argument("--profile", choices=PROFILES + ("all",), default="all")
    parser.add_argument("--full", action="store_true", help="every step with every fault kind")
    parser.add_argument("--fraction", type=float, default=0.3, help="share of the cases sampled without --full")
    parser.add_argument("--seed", type=int, help="the sampling seed (random by default; always printed)")
    parser.add_argument("--case", help="run one case, PROFILE:KIND:N (e.g. main:fsync:12)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=60, help="seconds before a run counts as hung")
    parser.add_argument("--keep", help="copy the directories of failing cases here")
    parser.add_argument("--strict", action="store_true", help="count known defects as failures")
    args = parser.parse_args()
    args.strict = args.strict or args.case is not None
    args.driver = os.path.abspath(args.driver)
    args.shim = os.path.abspath(args.shim)
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    sys.exit(Runner(args).main())


if __name__ == "__main__":
    main()
