"""``python -m mmlight.datasets.synthfall``: the command line of
``tools/data/synthfall.py`` (:mod:`mmlight.cli.synthfall`)."""
from mmlight.cli.synthfall import main

if __name__ == '__main__':
    raise SystemExit(main())
