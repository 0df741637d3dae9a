"""A real git remote for controller-mode tests: a bare repository served over file://.

`FleetRepo.create(tmp)` makes a bare repository and a working clone that pushes to it; tests
edit files in `work`, then `commit(message)` pushes and returns the new commit id. Commits use a
fixed identity and ignore the user's git configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "tenantctl tests",
    "GIT_AUTHOR_EMAIL": "tests@tenantctl.invalid",
    "GIT_COMMITTER_NAME": "tenantctl tests",
    "GIT_COMMITTER_EMAIL": "tests@tenantctl.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@dataclass(frozen=True)
class FleetRepo:
    bare: Path
    work: Path

    @property
    def url(self) -> str:
        return self.bare.as_uri()  # file:///...

    @classmethod
    def create(cls, root: Path, fleet: Path) -> FleetRepo:
        """A bare repository whose `main` holds a copy of the fleet directory `fleet`."""
        bare, work = root / "remote.git", root / "work"
        git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), cwd=root)
        git("init", "--quiet", "--initial-branch=main", str(work), cwd=root)
        for name in ("plans", "tenants"):
            shutil.copytree(fleet / name, work / name)
        shutil.copy(fleet / "tenantctl.yaml", work / "tenantctl.yaml")
        git("remote", "add", "origin", str(bare), cwd=work)
        repo = cls(bare, work)
        repo.commit("the example fleet")
        return repo

    def commit(self, message: str) -> str:
        """Commit every change in the work tree, push it to `main`, return the commit id."""
        git("add", "--all", cwd=self.work)
        git("commit", "--quiet", "--allow-empty", "-m", message, cwd=self.work)
        git("push", "--quiet", "origin", "main", cwd=self.work)
        return self.head()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.work)
