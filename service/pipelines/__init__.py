"""Pipelines: turn a request's texts into engine calls and put the results back together."""
