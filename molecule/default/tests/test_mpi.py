"""MPI for users: the lab user compiles an MPI program in their home on the login node and runs it
across both compute nodes with srun (MpiDefault=pmix, no --mpi flag, no mpirun) and with sbatch."""

import base64
import re

import pytest

from hpcstack_harness import as_user

HELLO = r"""
#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv) {
    int rank, size, length;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &length);
    printf("rank %d of %d on %s\n", rank, size, host);
    MPI_Finalize();
    return 0;
}
"""
HOME = "/home/alice/mpi-test"
RANK_RE = re.compile(r"^rank (\d+) of (\d+) on (\S+)$")


def as_alice(host, command):
    return as_user(host, "sh -c %s" % _quote("cd %s && %s" % (HOME, command)))


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


@pytest.fixture(scope="module")
def program(login):
    login.run("rm -rf %s && runuser -u alice -- mkdir -p %s" % (HOME, HOME))
    source = base64.b64encode(HELLO.encode()).decode()
    write = login.run("echo %s | base64 -d | runuser -u alice -- tee %s/hello.c > /dev/null" % (source, HOME))
    assert write.rc == 0, write.stderr
    compiled = as_alice(login, "mpicc -o hello hello.c")
    assert compiled.rc == 0, compiled.stderr
    yield HOME + "/hello"
    login.run("rm -rf %s" % HOME)


def ranks(output):
    found = [RANK_RE.match(line.strip()) for line in output.splitlines() if line.strip()]
    assert all(found), output
    return sorted((int(m.group(1)), int(m.group(2)), m.group(3)) for m in found)


def test_mpi_default_is_pmix(login):
    assert re.search(r"^MpiDefault\s*=\s*pmix$", login.check_output("scontrol show config"), re.M)


def test_srun_starts_the_ranks_across_both_nodes(login, program):
    result = as_alice(login, "srun --time=1 -N2 -n4 ./hello")
    assert result.rc == 0, result.stderr
    found = ranks(result.stdout)
    assert [(rank, size) for rank, size, _host in found] == [(0, 4), (1, 4), (2, 4), (3, 4)]
    assert {host for _rank, _size, host in found} == {"c1", "c2"}


def test_sbatch_runs_the_program_across_both_nodes(login, program):
    result = as_alice(login, "sbatch --wait --time=1 -N2 -n4 --output=%s/batch.out --wrap 'srun ./hello'" % HOME)
    assert result.rc == 0, result.stdout + result.stderr
    found = ranks(login.file(HOME + "/batch.out").content_string)
    assert [rank for rank, _size, _host in found] == [0, 1, 2, 3]
    assert {host for _rank, _size, host in found} == {"c1", "c2"}


def test_netpipe_measures_latency_and_bandwidth_between_two_nodes(login, program):
    result = as_alice(login, "srun --time=2 -N2 -n2 NPopenmpi -u 65536 -p 0 -n 5 -o /dev/null")
    assert result.rc == 0, result.stderr
    # "  12:      64 bytes   1562 times -->      1.23 Mbps in     396.74 usec", on stderr
    output = result.stdout + result.stderr
    measured = re.findall(r"(\d+) bytes\s+\d+ times -->\s+([\d.]+) Mbps in\s+([\d.]+) usec", output)
    assert measured, output[-2000:]
    assert int(measured[-1][0]) >= 65536 and float(measured[-1][1]) > 0 and float(measured[0][2]) > 0
