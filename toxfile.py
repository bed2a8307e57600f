"""tox plugin: end the run with one line naming each environment that ran or skipped itself.

An environment "skipped itself" when it exited 0 without passing a test and
printed a line with `SKIPPED` (pytest's -ra summary, `pytest.exit("SKIPPED ...")`
in tests/conftest.py, or tools/lint_specs.py); the text after it is the reason.
"""

import atexit
import re

from tox.plugin import impl

RESULTS: dict[str, str] = {}
PYTEST_COUNTS = re.compile(r"^=+ (?P<counts>.*\d+ (?:passed|failed|error|skipped).*) in [\d.]+s")
SKIP_REASON = re.compile(r"SKIPPED(?: \[\d+\] [^:]+:\d+)?:? ?(?P<reason>.+?)!*$", re.MULTILINE)


@impl
def tox_after_run_commands(tox_env, exit_code, outcomes) -> None:
    output = "\n".join(outcome.out + outcome.err for outcome in outcomes)
    counts = [re.sub(r", \d+ warnings?", "", match["counts"]) for line in output.splitlines()
              if (match := PYTEST_COUNTS.match(line.strip()))]
    passed = bool(counts) and " passed" in counts[-1]
    skipped = SKIP_REASON.search(output)
    if exit_code != 0:
        RESULTS[tox_env.name] = f"FAILED ({counts[-1] if counts else f'exit code {exit_code}'})"
    elif not passed and skipped:
        RESULTS[tox_env.name] = f"SKIPPED ({skipped['reason'].strip()})"
    else:
        RESULTS[tox_env.name] = f"ran ({counts[-1]})" if counts else "ran"


@atexit.register
def _summary() -> None:
    if RESULTS:
        results = "; ".join(f"{name} {result}" for name, result in RESULTS.items())
        print(f"tox environments: {results}")
