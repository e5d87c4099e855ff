# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: 1,000 Slurm users in 20 accounts with the batching planner of slurm_user.

Runs the collection's sacctmgr planner against a real sacctmgr inside a container
(``docker exec``), for example one set up with tests/unit/fixtures/slurm/setup-container.sh:

    python3 benchmarks/sacctmgr_bulk.py --container hpcdev-rec-trixie [--users 1000 --accounts 20]

Measures: create (empty -> all present), again (no change), and, for comparison, one sacctmgr
call per user on a sample. Prints wall time and the number of sacctmgr invocations.
Removes what it created unless --keep.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugins", "module_utils"))
import _sacctmgr as sm  # noqa: E402


def docker_runner(container):
    def run(argv):
        proc = subprocess.run(["docker", "exec", container] + list(argv), capture_output=True, text=True, check=False)
        return proc.returncode, proc.stdout, proc.stderr
    return run


def converge(tool, accounts, users, state="present"):
    """What slurm_account then slurm_user do: read, plan, apply. Returns (seconds, calls, commands)."""
    start, calls = time.monotonic(), tool.calls
    ordered = (("accounts", accounts), ("users", users)) if state == "present" else (("users", users), ("accounts", accounts))
    commands = 0
    for kind, wanted in ordered:
        if kind == "accounts":
            plan = sm.plan_accounts(wanted, tool.accounts(), tool.associations(), state)
        else:
            plan = sm.plan_users(wanted, tool.users(), tool.associations(users=True), state)
        tool.apply(plan)
        commands += len(plan.commands)
    return time.monotonic() - start, tool.calls - calls, commands


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--container", required=True, help="container with a working sacctmgr (docker exec)")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--naive-sample", type=int, default=50,
                        help="users added one sacctmgr call each, for comparison (0: skip)")
    parser.add_argument("--keep", action="store_true", help="leave the users and accounts in place")
    args = parser.parse_args()

    tool = sm.Sacctmgr(docker_runner(args.container))
    accounts = [dict(name="bench%02d" % a, parent="root", description="benchmark", fairshare=10,
                     limits=dict(max_jobs=100)) for a in range(args.accounts)]
    users = [dict(name="bu%05d" % u, account="bench%02d" % (u % args.accounts), limits=dict(max_jobs=10))
             for u in range(args.users)]
    converge(tool, accounts, users, "absent")  # start clean (not measured)

    report = {"container": args.container, "users": args.users, "accounts": args.accounts,
              "sacctmgr": tool.execute(["--version"]).strip()}
    for phase in ("create", "again_no_change"):
        seconds, calls, commands = converge(tool, accounts, users)
        report[phase] = {"seconds": round(seconds, 2), "sacctmgr_calls": calls, "change_commands": commands}
    if args.naive_sample:
        start, calls = time.monotonic(), tool.calls
        for u in range(args.naive_sample):
            tool.execute(sm.BASE_ARGS + ["add", "user", "name=naive%04d" % u, "account=bench00"], change=True)
        seconds = time.monotonic() - start
        report["one_call_per_user"] = {"sample_users": args.naive_sample, "seconds": round(seconds, 2),
                                       "sacctmgr_calls": tool.calls - calls,
                                       "extrapolated_seconds_for_all": round(seconds / args.naive_sample * args.users, 1)}
        tool.execute(sm.BASE_ARGS + ["delete", "user", "where",
                                     "name=" + ",".join("naive%04d" % u for u in range(args.naive_sample))])
    if not args.keep:
        seconds, calls, commands = converge(tool, accounts, users, "absent")
        report["delete"] = {"seconds": round(seconds, 2), "sacctmgr_calls": calls, "change_commands": commands}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
