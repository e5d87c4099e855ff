"""node_exporter and process-exporter answer on every node with the cluster's services in them."""

import pytest

FETCH = "python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' %s"


def metrics(host, port):
    return host.check_output(FETCH, "http://127.0.0.1:%d/metrics" % port)


def sample(text, prefix):
    """Value of the first sample whose line starts with prefix."""
    line = next((line for line in text.splitlines() if line.startswith(prefix)), None)
    assert line, "no sample starting with %s" % prefix
    return float(line.split()[-1])


def test_node_exporter_reports_the_slurm_services(login, computes):
    for host, unit in [(computes[0], "slurmd.service"), (login, "munge.service")]:
        assert sample(metrics(host, 9100), 'node_systemd_unit_state{name="%s",state="active"' % unit) == 1


def test_node_exporter_leaves_other_units_out(computes):
    assert 'name="systemd-journald.service"' not in metrics(computes[0], 9100)


@pytest.mark.parametrize("daemon", ["slurmd", "munged"])
def test_process_exporter_groups_the_daemons(computes, daemon):
    assert sample(metrics(computes[0], 9256), 'namedprocess_namegroup_num_procs{groupname="%s"}' % daemon) >= 1


def test_textfile_directory_exists(all_hosts):
    for host in all_hosts:
        assert host.file("/var/lib/prometheus/node-exporter").is_directory
