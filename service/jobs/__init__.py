"""Asynchronous jobs: a store, a runner, documents, and the embedded and Redis queues."""
