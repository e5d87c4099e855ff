"""A slurmdbd outage loses no accounting: slurmctld spools the records and sends them later."""

from hpcstack_harness import job_states, submit, wait_for


def test_jobs_run_during_an_outage_reach_accounting(primary, client):
    primary.check_output("systemctl stop slurmdbd")
    try:
        jobs = [submit(client, "--wait --nodes=1 --time=5 --wrap='sleep 1'") for _number in range(2)]
        print("\njobs run while slurmdbd was down:", jobs)
        assert client.run("sacct --noheader --jobs=%s", ",".join(jobs)).rc != 0 or \
            all(state == "" for state in job_states(client, jobs).values())
    finally:
        primary.check_output("systemctl start slurmdbd")
    seconds = wait_for("the jobs appear in sacct",
                       lambda: all(state == "COMPLETED" for state in job_states(client, jobs).values()), 180, 3)[1]
    print("jobs in accounting %.1f s after slurmdbd started: %s" % (seconds, job_states(client, jobs)))
