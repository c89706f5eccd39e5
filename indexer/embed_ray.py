"""Embedding on a Ray cluster (`tracuu index CORPUS --ray auto|ADDRESS`).

Actors hold the model (one per CPU slot the cluster offers, each with its own thread
count); the driver — the `tracuu index` process — feeds them chunks of passages (two in
flight per actor, so no actor waits for work) and collects the vectors by chunk number,
so the index is written in passage order whatever order the chunks come back in.

A dead actor or node (a machine lost mid-build) does not fail the build: the chunks it
held go back in the queue for the actors left, and a chunk's vectors are taken once, so
every passage is embedded into the index exactly once. Chunks are checkpointed by the
driver as they arrive (indexer/embed_pipeline.py), so even a lost driver resumes.

Every node needs tracuu installed and the model folder at the same path as the driver
(the ONNX export is made on first use if a node lacks it).
"""
from __future__ import annotations

from collections import deque

IN_FLIGHT_PER_ACTOR = 2


class EncoderActor:
    """Holds one encoder; `embed` returns (chunk number, vectors)."""

    def __init__(self, name: str, backend: str, threads: int):
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from indexer.encoders import Encoder

        self.encoder = Encoder(name, backend=backend, threads=threads)

    def ready(self) -> str:
        import socket

        return socket.gethostname()

    def embed(self, n: int, texts: list[str]):
        return n, self.encoder.encode_passages(texts)


def _actor_failures():
    from ray import exceptions

    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError",
             "NodeDiedError", "OwnerDiedError", "ObjectLostError")
    return tuple(getattr(exceptions, n) for n in names if hasattr(exceptions, n))


def embed_on_ray(jobs: list[tuple[int, list[str]]], encoder, plan, done, log=None) -> None:
    """Run `jobs` [(chunk number, texts)] on the cluster; `done(n, vectors)` per chunk, once."""
    import ray

    log = log or (lambda msg: None)
    backend = getattr(encoder, "backend", None)
    if not backend or not hasattr(encoder, "name"):
        from indexer.encoders import EncoderSettingError

        raise EncoderSettingError("--ray needs a real encoder (model folder and backend)")
    connected_here = not ray.is_initialized()
    if connected_here:
        ray.init(address=plan.ray_address, log_to_driver=False, include_dashboard=False)
    failures = _actor_failures()
    try:
        threads = max(1, plan.threads_per_actor)
        slots = int(ray.cluster_resources().get("CPU", 0)) // threads
        count = plan.ray_actors or max(1, slots)
        remote = ray.remote(num_cpus=threads, max_restarts=0, max_task_retries=0)(EncoderActor)
        actors = [remote.remote(encoder.name, backend, threads) for _ in range(count)]
        hosts = []
        for actor in list(actors):
            try:
                hosts.append(ray.get(actor.ready.remote()))
            except failures as err:
                log(f"ray: an actor failed to start ({type(err).__name__}); continuing without it")
                actors.remove(actor)
        if not actors:
            raise RuntimeError(f"no encoder actor could start on the Ray cluster at {plan.ray_address}")
        log(f"ray: {len(actors)} encoder actor(s) on {len(set(hosts))} host(s), {threads} thread(s) each")

        queue = deque(jobs)
        inflight: dict = {}  # ObjectRef -> (actor, job)
        load = {actor: 0 for actor in actors}
        finished: set[int] = set()
        while queue or inflight:
            for actor in list(load):
                while queue and load[actor] < IN_FLIGHT_PER_ACTOR:
                    job = queue.popleft()
                    inflight[actor.embed.remote(*job)] = (actor, job)
                    load[actor] += 1
            if not inflight:
                raise RuntimeError("every Ray encoder actor died; the chunks embedded so far are "
                                   "checkpointed: run the same command again to resume")
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                actor, job = inflight.pop(ref)
                if actor in load:
                    load[actor] -= 1
                try:
                    n, vectors = ray.get(ref)
                except failures as err:
                    # the actor or its node is gone: its chunks go to the actors left
                    if actor in load:
                        del load[actor]
                        log(f"ray: an encoder actor died ({type(err).__name__}); "
                            f"{len(load)} left, its chunks are re-queued")
                    queue.appendleft(job)
                    continue
                if n not in finished:  # a chunk is taken once
                    finished.add(n)
                    done(n, vectors)
    finally:
        if connected_here:
            ray.shutdown()
