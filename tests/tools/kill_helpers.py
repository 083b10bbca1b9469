"""What the kill tests share: starting a command and killing it with SIGKILL after a delay, and
the store invariants that must hold after any kill."""
import signal, sqlite3, subprocess, time


def run_and_kill(cmd, delay):
    """Runs `cmd`, sends SIGKILL after `delay` seconds; True when the kill landed mid-run."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    return killed


def check_store(db):
    """integrity_check ok, no (run, task, rollout) twice, every episode has its messages; returns
    the recorded (task, rollout) pairs."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        dup = conn.execute("SELECT count(*) FROM (SELECT run_id, task_id, rollout FROM episodes "
                           "GROUP BY 1,2,3 HAVING count(*) > 1)").fetchone()[0]
        assert dup == 0, f"{dup} duplicated episodes"
        orphan = conn.execute("SELECT count(*) FROM episodes e WHERE NOT EXISTS "
                              "(SELECT 1 FROM messages m WHERE m.episode_id = e.id)").fetchone()[0]
        assert orphan == 0, f"{orphan} episodes without messages"
        return {row for row in conn.execute("SELECT task_id, rollout FROM episodes")}
