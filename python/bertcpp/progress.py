"""A tqdm progress bar for long encodings, shown only where someone is watching."""
import sys


def _in_notebook():
    try:
        shell = get_ipython().__class__.__name__  # noqa: F821 (defined inside IPython only)
    except NameError:
        return False
    return shell == "ZMQInteractiveShell"


def should_show(num_batches, show_progress_bar=None, min_batches=4):
    """Explicit True/False wins; None shows a bar for more than a few batches when stderr is a
    terminal or we run in a notebook."""
    if show_progress_bar is not None:
        return bool(show_progress_bar)
    if num_batches <= min_batches:
        return False
    stderr_is_tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    return stderr_is_tty or _in_notebook()


class ProgressBar:
    """Callable handed to the C++ encoder: (done, total) after each batch."""

    def __init__(self, total, desc="bertcpp"):
        from tqdm.auto import tqdm  # imported here: `import bertcpp` stays fast

        self._bar = tqdm(total=total, desc=desc, unit="text")

    @classmethod
    def create(cls, total, desc="bertcpp"):
        """A bar, or None when tqdm (optional) is not installed: encoding never fails for want of it."""
        try:
            return cls(total, desc)
        except ImportError:
            return None

    def __call__(self, done, total):
        self._bar.update(done - self._bar.n)
        return True

    def close(self):
        self._bar.close()
