"""A Ray actor that holds a run's worker setup as bytes, importing nothing of digest's.

It lives apart from `jobs.ray_executor` so that the process Ray starts for it loads only this
module (not jieba, the gloss dictionary or CTranslate2): it costs the memory of a bare Ray
worker. Workers get its name, not the setup: an object passed to a restartable actor's
constructor through the object store might be gone when Ray restarts the actor
(ray-project/ray#53727).
"""

from __future__ import annotations


class SetupStore:
    """Holds the pickled `WorkerSetup` of one run for its workers, and for any that Ray restarts."""

    def __init__(self, setup: bytes) -> None:
        self.setup = setup

    def get(self) -> bytes:
        return self.setup
