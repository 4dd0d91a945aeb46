"""Conflict Explorer's resolution engine.

A framework-free library: it never imports Django, Celery, `conflicts` or `config`, so the CLI, the
Celery task, the benchmarks and other programs can use it alone. `resolver.engine.resolve` is the
entry point; `resolver.output.report` holds the JSON report v1 it returns.
"""
