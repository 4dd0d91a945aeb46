"""What a report becomes: the JSON report v1 and its pinned files, text, trees, DOT and GraphML. Pure
functions of a report or graph; never imports index.
"""
