"""The `zhijiao` console script: Django's management commands, under the platform's name.

    zhijiao start                 migrate, build the small demo district if empty, serve on :8000
    zhijiao serve                 serve with gunicorn (production)
    zhijiao demo --size small     build the demo district
    zhijiao import-roster FILE    import schools, classes and people from CSV/XLSX
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhijiao.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "zhijiao"
    if len(argv) > 1 and argv[1] == "import-roster":
        argv[1] = "import_roster"  # the documented spelling of the import_roster command
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
