"""slurm.conf never depends on the hosts in the play: a --limit run changes nothing."""

from hpcstack_harness import changed_counts, run_playbook


def test_converge_limited_to_one_compute_node_changes_nothing():
    result = run_playbook("site.yml", "--limit", "c1", "--check", "--diff", timeout=600)[0]
    assert changed_counts(result.stdout).get("c1") == 0, result.stdout[-5000:]
