"""Run the ``cyclegan`` command line and SIGKILL it after N training steps, like ``kill -9``.

Usage: ``python tests/cyclegan_kill.py N train --data ...`` (then the usual arguments).
``test_cyclegan_cli.py`` uses it to prove that a killed run resumes to identical weights.
The package has no test hook: this script hands ``train`` an extra Keras callback.
"""

import functools
import os
import signal
import sys

import keras

import cyclegan.train
from cyclegan.cli import main


class KillAfterSteps(keras.callbacks.Callback):
    """Kill this process, with no chance to clean up, after ``steps`` training steps."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.left = steps

    def on_train_batch_end(self, batch, logs=None):
        self.left -= 1
        if self.left <= 0:
            sys.stdout.flush()
            os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


if __name__ == "__main__":
    killer = KillAfterSteps(int(sys.argv[1]))
    cyclegan.train.train = functools.partial(cyclegan.train.train, callbacks=[killer])
    sys.exit(main(sys.argv[2:]))
