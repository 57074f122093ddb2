"""The `bertcpp` command (python -m bertcpp ..., or the console script pip installs)."""
import os
import signal
import sys

from . import _bertcpp
from .models import bundled_model_dir


def main(argv=None):
    if not hasattr(_bertcpp, "cli_main"):
        sys.exit("bertcpp: this build has no command-line tool (configured with -DBERTCPP_BUILD_CLI=OFF)")
    # The command runs in C++ without the GIL: let Ctrl-C stop it as it stops the C++ binary.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The C++ side finds the bundled model through this variable when installed by pip.
    os.environ.setdefault("BERTCPP_MODEL_DIR", bundled_model_dir())
    args = sys.argv[1:] if argv is None else list(argv)
    sys.stdout.flush()
    return _bertcpp.cli_main(["bertcpp"] + args)


if __name__ == "__main__":
    sys.exit(main())
