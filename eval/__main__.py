"""`python -m eval DATASET [--mode ...]`: see eval/retrieval.py and eval/README.md."""
import sys

from eval.retrieval import main

sys.exit(main())
