"""``python -m mmlight.datasets.synthfall``: see :func:`.cli.main`."""
from .cli import main

if __name__ == '__main__':
    raise SystemExit(main())
