#!/usr/bin/env python
"""Django's command-line utility; `caremode` is the same thing, installed as a console command."""

from caremode.cli import main

if __name__ == "__main__":
    main()
