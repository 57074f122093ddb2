"""Where models are: the bundled one ships inside the package (bertcpp/models/...)."""
import os

from . import _bertcpp

BUNDLED_MODEL = "bert-mini-uncased"


def bundled_model_dir():
    """The bundled model: $BERTCPP_MODEL_DIR if set, else the copy installed in this package,
    else the one the C++ library knows (the source tree, in a development build)."""
    from_env = os.environ.get("BERTCPP_MODEL_DIR")
    if from_env:
        if not os.path.isdir(from_env):
            raise ValueError("BERTCPP_MODEL_DIR=%s is not a model directory (unset it to use the bundled model)"
                             % from_env)
        return from_env
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models", BUNDLED_MODEL)
    if os.path.isdir(packaged):
        return packaged
    return _bertcpp.default_model_dir()


def resolve_model_dir(model_dir=None):
    """model_dir as a string path, or the bundled model when None."""
    if model_dir is None:
        return bundled_model_dir()
    return os.fspath(model_dir)
