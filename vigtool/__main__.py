import sys

from vigtool.cli import main

sys.exit(main())
