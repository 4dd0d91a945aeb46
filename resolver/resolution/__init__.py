"""resolvelib's side: the provider, requirements and candidates, the finder, the set-aside provider and
the graph recorder. Imports input and index.
"""
