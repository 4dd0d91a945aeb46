"""The JSON API (django-ninja): routes, bearer tokens, request parsing, schemas, RFC 9457 problems.
Never imports conflicts.web.
"""
