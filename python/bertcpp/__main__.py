"""The `bertcpp` command (python -m bertcpp ..., or the console script pip installs)."""
import os
import sys

from . import _bertcpp
from .models import bundled_model_dir


def main(argv=None):
    if not hasattr(_bertcpp, "cli_main"):
        sys.exit("bertcpp: this build has no command-line tool (configured with -DBERTCPP_BUILD_CLI=OFF)")
    # The command handles Ctrl-C itself (it stops cleanly and exits with 130) and puts the
    # interpreter's handler back when it returns. The C++ side finds the bundled model through
    # BERTCPP_MODEL_DIR when installed by pip: set for the call only.
    args = sys.argv[1:] if argv is None else list(argv)
    sys.stdout.flush()
    had = os.environ.get("BERTCPP_MODEL_DIR")
    if had is None:
        os.environ["BERTCPP_MODEL_DIR"] = bundled_model_dir()
    try:
        return _bertcpp.cli_main(["bertcpp"] + args)
    finally:
        if had is None:
            os.environ.pop("BERTCPP_MODEL_DIR", None)


if __name__ == "__main__":
    sys.exit(main())
