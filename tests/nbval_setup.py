"""A pytest plugin for `pytest -p tests.nbval_setup --nbval-lax notebooks/` (make's notebook part):
every notebook runs on its own with default parameters.

It lives in tests/, not beside the notebooks, because the notebooks ship in the wheel
(``src/segkit/notebooks``; ``notebooks/`` is a link to it) and test helpers must not.

Each notebook then creates a scratch run on a small demo company. The kernels inherit this
process's environment, so the demo data, the scratch runs and the pseudonymisation key go to
a temporary folder (removed at exit), never into the project or the user's key file.
"""

import atexit
import os
import shutil
import tempfile

_HOME = tempfile.mkdtemp(prefix="segkit-nbval-")
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["SEGKIT_HOME"] = _HOME
os.environ["SEGKIT_KEY_FILE"] = os.path.join(_HOME, "pseudonym.key")
os.environ.pop("SEGKIT_PSEUDONYM_KEY", None)
