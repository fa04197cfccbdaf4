"""``python -m fakebench``: the same as the ``fakebench`` command."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="fakebench")
