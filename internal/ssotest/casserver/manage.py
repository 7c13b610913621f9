#!/usr/bin/python3
# Django's command line for the test CAS server (see casdemo/settings.py).
import os, sys
if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casdemo.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
