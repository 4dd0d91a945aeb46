"""Requirements-file syntax and files: text in, requirements with their origin lines out. No I/O;
imports only errors and index.dists (filename parsing).
"""
