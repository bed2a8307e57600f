"""What the contract tests share."""

import collections

# Requests sent per test and operation, reported at the end of the run.
SENT: collections.Counter = collections.Counter()
