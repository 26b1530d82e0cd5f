"""`python -m benchmarks [options]` is `guidekb bench [options]`."""
import sys

from search_api.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
