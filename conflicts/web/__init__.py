"""The HTML pages (htmx): views, what the templates show, the drawn graph, the CSP middleware. Never
imports conflicts.api.
"""
