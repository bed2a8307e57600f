"""The decisions a worker remembers, for the calls that come while no database answers.

A telephony platform would rather play a customer's last known fallback than drop
the call. Each worker process keeps the IVR entries its call-time decisions read
last (an LRU, bounded in age, entries and bytes); when neither the primary nor the
replica can be asked, a decision for a number it read within the age bound is
decided from what it remembers, and answered with `Cache-Stale: <age in seconds>`.

What it remembers may predate a change made through another worker (or host): that
change reaches this memory only when this worker reads the entry again. A write
through this worker forgets its number here (app/storage/history.py marks it,
`forget`). A read that finds no entry forgets the number too: an absent number is
never remembered, so it is answered 503 like every other request in an outage.
"""

import json
import threading
from collections import OrderedDict

from app.decision import Entry

# What one remembered entry costs beyond its command's JSON and key: the OrderedDict's
# node, the key tuple, the entry's tuple and its integers, roughly, on CPython 3.11.
ENTRY_OVERHEAD_BYTES = 400


# A remembered entry is a plain tuple of strings and integers, which the garbage
# collector stops tracking: thousands of them must not lengthen its full collections
# (docs/decisions/0001-freeze-the-app-objects.md).
MODE, TTL, COMMAND_JSON, CREATED_VERSION, VERSION, AS_OF, SIZE = range(7)


class DecisionMemory:
    """Per process: (domain, number) -> the entry as last read, oldest first.

    `seconds` 0 turns it off. The command is kept as its JSON text, which is what its
    size is counted by, and parsed again only when it is used (an outage).
    """

    def __init__(self, seconds: float, max_entries: int, max_bytes: int):
        self.seconds = seconds
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple[str, str], tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def remember(self, domain: str, number: str, entry: Entry, created_version: int,
                 version: int, as_of: int) -> None:
        """Keep the entry read at `as_of` (unix seconds: when the database it came from had
        it); the entry's `version` says whether it changed since it was last kept."""
        if not self.seconds:
            return
        key = (domain, number)
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and kept[VERSION] == version:
                # Read again, unchanged: only its age and place change.
                if as_of > kept[AS_OF]:
                    self._entries[key] = (*kept[:AS_OF], as_of, kept[SIZE])
                self._entries.move_to_end(key)
                return
        command_json = json.dumps(entry.command, separators=(",", ":"))
        size = len(command_json) + len(domain) + len(number) + ENTRY_OVERHEAD_BYTES
        if size > self.max_bytes:
            self.forget(domain, number)
            return
        item = (entry.mode, entry.ttl, command_json, created_version, version, as_of, size)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old[SIZE]
            self._entries[key] = item
            self.bytes += size
            self._evict(as_of)

    def recall(self, domain: str, number: str, now: int) -> tuple[Entry, int, int] | None:
        """The remembered entry, the version that created it and its age in seconds; None
        when nothing live is remembered for the number within the age bound."""
        if not self.seconds:
            return None
        key = (domain, number)
        with self._lock:
            kept = self._entries.get(key)
            if kept is None:
                return None
            if now - kept[AS_OF] > self.seconds or kept[TTL] <= now:
                self.bytes -= self._entries.pop(key)[SIZE]
                return None
        entry = Entry(kept[MODE], kept[TTL], json.loads(kept[COMMAND_JSON]))
        return entry, kept[CREATED_VERSION], max(0, now - kept[AS_OF])

    def forget(self, domain: str, number: str) -> None:
        if not self._entries:
            return
        with self._lock:
            kept = self._entries.pop((domain, number), None)
            if kept is not None:
                self.bytes -= kept[SIZE]

    def _evict(self, now: int) -> None:
        # Oldest first: every remember moves its entry to the end with a newer as_of.
        entries = self._entries
        while entries and (len(entries) > self.max_entries or self.bytes > self.max_bytes
                           or now - next(iter(entries.values()))[AS_OF] > self.seconds):
            self.bytes -= entries.popitem(last=False)[1][SIZE]
