"""``streamlit run`` that also records how long each script run takes, for bench_controls.py.

    python benchmarks/timed_server.py LOG_FILE run app.py [streamlit options]

Every run of the page script (a full rerun or a fragment's) appends its duration in ms to
LOG_FILE. This is the real server's rerun time, without AppTest's own overhead (AppTest
compiles the script anew on every run).
"""

import sys
import time
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.web import cli

LOG = Path(sys.argv.pop(1))
_run_script = script_runner.ScriptRunner._run_script


def _timed_run_script(self: script_runner.ScriptRunner, *args: object, **kwargs: object) -> None:
    start = time.perf_counter()
    try:
        _run_script(self, *args, **kwargs)
    finally:
        with LOG.open("a") as log:
            log.write(f"{(time.perf_counter() - start) * 1000:.2f}\n")


script_runner.ScriptRunner._run_script = _timed_run_script

if __name__ == "__main__":
    sys.exit(cli.main())
