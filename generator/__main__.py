"""`python -m generator`: the command-line entry point (the same as the `paper-digest` command)."""

from .cli import run

if __name__ == "__main__":
    run()
