"""roles/node_health/files/hpcstack-node-health against fake system commands.

Each fake answers only the arguments it was written for and exits 97 otherwise, so a probe the
script was not expected to make fails the test. scontrol writes its arguments to a log that the
tests read: a drain is what the script asked the controller to do.
"""
import os
import stat
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / 'roles/node_health/files/hpcstack-node-health'

SYNCED = """Reference ID    : AC1FFB0A (ctl1)
Stratum         : 11
System time     : 0.000012 seconds fast of NTP time
Leap status     : Normal
"""
UNSYNCED = """Reference ID    : 00000000 ()
Stratum         : 0
System time     : 0.000000 seconds fast of NTP time
Leap status     : Not synchronised
"""


def _fake(directory: Path, name: str, cases: dict[str, str]) -> None:
    """A command that prints cases[args] for known argument strings and fails on anything else."""
    lines = ['#!/bin/bash', 'case "$*" in']
    for args, output in cases.items():
        lines.append(f"  {args!r}) cat <<'EOF'\n{output}EOF\n    ;;")
    lines.append(f'  *) echo "unexpected: {name} $*" >&2; exit 97 ;;')
    lines.append('esac')
    path = directory / name
    path.write_text('\n'.join(lines) + '\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def node(tmp_path):
    fakes = tmp_path / 'bin'
    fakes.mkdir()
    log = tmp_path / 'scontrol.log'
    (fakes / 'scontrol').write_text(f'#!/bin/bash\necho "$*" >> {log}\n')
    (fakes / 'scontrol').chmod(0o755)
    (fakes / 'logger').write_text('#!/bin/bash\n')
    (fakes / 'logger').chmod(0o755)
    _fake(fakes, 'sinfo', {'--noheader --node=c1 --Node --format=%T|%E': 'idle|none\n'})
    config = tmp_path / 'node-health.conf'

    def run(tracking: str, chronyd_age: int, grace: int = 300) -> tuple[int, str, list[str]]:
        _fake(fakes, 'chronyc', {'-n tracking': tracking})
        _fake(fakes, 'pidof', {'-s chronyd': '4242\n'})
        _fake(fakes, 'ps', {'-o etimes= -p 4242': f'  {chronyd_age}\n'})
        config.write_text(f'CHECK_MUNGE=0\nMOUNTS=""\nDISK_FREE_MB=""\nMIN_FREE_MEMORY_MB=0\n'
                          f'CHECK_CLOCK=1\nMAX_CLOCK_OFFSET=1.0\nCLOCK_GRACE_SECONDS={grace}\n')
        env = dict(os.environ, SLURMD_NODENAME='c1', HPCSTACK_NODE_HEALTH_CONFIG=str(config),
                   HPCSTACK_NODE_HEALTH_PATH=f'{fakes}:/usr/bin:/bin')
        result = subprocess.run(['bash', str(SCRIPT)], env=env, capture_output=True, text=True, check=False)
        assert 'unexpected:' not in result.stderr, result.stderr
        commands = log.read_text().splitlines() if log.exists() else []
        return result.returncode, result.stdout, commands
    return run


def test_synchronised_clock_is_healthy(node):
    assert node(SYNCED, chronyd_age=5000) == (0, '', [])


def test_unsynchronised_clock_within_grace_does_not_drain(node):
    assert node(UNSYNCED, chronyd_age=20) == (0, '', [])


def test_unsynchronised_clock_after_grace_drains_with_reason(node):
    code, out, commands = node(UNSYNCED, chronyd_age=301)
    assert code == 1
    assert out == 'clock not synchronised (chrony); draining c1\n'
    assert commands == ['update nodename=c1 state=drain reason=hpcstack-health: clock not synchronised (chrony)']


def test_grace_zero_drains_at_once(node):
    code, _out, commands = node(UNSYNCED, chronyd_age=0, grace=0)
    assert code == 1
    assert len(commands) == 1 and 'state=drain' in commands[0]
