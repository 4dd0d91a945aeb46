"""The security tests use the Django app's fixtures: a configured test index, reports made by the
real engine."""

from tests.conflicts.conftest import make_report, test_index

__all__ = ["make_report", "test_index"]
