"""The dedicated uids that the local engine's sandboxes run as, when the grader is root: each session
leases one of :data:`SANDBOX_UIDS` (no account uses it, and a lock file under :data:`UID_LOCKS` keeps
other sessions off it), and every process left under it is killed before it is lent and after."""
import fcntl
import grp
import os
import pwd
import stat
import subprocess
from pathlib import Path

from autograder.sandbox.box import EngineError

SANDBOX_UIDS = range(2_000_000_000, 2_000_000_064)  # used by no account, dynamic user or usual subuid range
UID_LOCKS = Path("/run/mytorch-sandbox")            # one lock file per leased uid


def kill_uid(uid):
    """SIGKILL every process of ``uid`` on the machine (as root): kill(-1) sent by a helper running
    as that uid reaches all its processes at once, so even a fork bomb cannot outrun it. The helper
    is /bin/sh's builtin kill: minimal images (a Gradescope base, Debian's minbase) have no kill
    program, and the grader's Python may lie where the uid cannot run it."""
    subprocess.run(["/bin/sh", "-c", "kill -KILL -1"], user=uid, group=uid, extra_groups=[], env={},
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, timeout=30)


class UidLease:
    """A uid of ``uids`` (with the gid of the same number) that no account uses and no other
    session holds, for as long as the lease is open; its leftover processes are killed first."""

    def __init__(self, uids):
        UID_LOCKS.mkdir(mode=0o700, exist_ok=True)
        folder = os.lstat(UID_LOCKS)
        if not stat.S_ISDIR(folder.st_mode) or folder.st_uid != 0 or folder.st_mode & 0o077:
            raise EngineError(f"{UID_LOCKS}, where sandbox uids are leased, must be a folder of root's "
                              f"closed to others: remove it (no grading may be running), and the grader "
                              f"makes it again")
        for uid in uids:
            if _id_in_use(uid):
                continue
            flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            fd = os.open(UID_LOCKS / f"{uid}.lock", flags, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            kill_uid(uid)
            return
        raise EngineError(f"all {len(uids)} sandbox uids ({uids.start}..{uids.stop - 1}) are in use, by "
                          f"other grading sessions on this machine (or accounts of those ids): wait for "
                          f"some to end, or grade with fewer --workers at once")

    def release(self):
        """Give the uid back (its processes must be gone by then)."""
        os.close(self._fd)


def _id_in_use(number):
    """Whether an account or a group has the id ``number``."""
    for lookup in (pwd.getpwuid, grp.getgrgid):
        try:
            lookup(number)
            return True
        except KeyError:
            pass
    return False
