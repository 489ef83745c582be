import sys

from chalicelib.cli import main

sys.exit(main())
