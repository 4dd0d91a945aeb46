"""The engine's only I/O: transport, egress policy, fetching, simple pages, core and sdist metadata,
caches. Never imports resolution, analysis or output.
"""
