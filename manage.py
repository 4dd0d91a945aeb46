#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["resolve"]:
        # The resolve command needs none of Django: resolver.cli runs it directly, with the same
        # defaults, output and exit codes, unless only Django can (it then returns None).
        from resolver.cli import main as resolve

        code = resolve(sys.argv[2:], os.environ, sys.stdout, sys.stderr)
        if code is not None:
            # Everything is written and every thread joined: exit without tearing down each module
            # and object one by one (a tenth of a second after a big resolution).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
