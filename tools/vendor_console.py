"""The console's third-party files: committed as published on npm, checked, and re-vendored.

Each file of tools/vendored.json comes from a pinned npm package: its tarball must
have the pinned integrity (npm's sha512), and the committed file must be that
tarball's file byte for byte (its sha256 is recorded too, so that the test suite
can check the committed copy without the network: tests/test_console.py).

    python tools/vendor_console.py --check   # fetch each tarball, compare (lint env)
    python tools/vendor_console.py           # write the files from the tarballs again

To move to another version, change `version` and `integrity` in tools/vendored.json
(`npm view PACKAGE@VERSION dist.integrity`), run this without --check, read the diff.
Without npm, --check is skipped, saying so.
"""

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "tools" / "vendored.json"
PACK_TIMEOUT_SECONDS = 300


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def packed(package: dict, scratch: Path) -> tarfile.TarFile:
    """The package's published tarball (`npm pack`), after checking its integrity."""
    spec = f"{package['package']}@{package['version']}"
    out = subprocess.run(
        ["npm", "pack", "--json", "--loglevel=error", "--pack-destination", str(scratch), spec],
        check=True, capture_output=True, text=True, timeout=PACK_TIMEOUT_SECONDS,
    ).stdout
    (info,) = json.loads(out)
    tarball = scratch / info["filename"]
    algorithm, _, expected = package["integrity"].partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if actual != expected:
        raise SystemExit(f"{spec}: the tarball's {algorithm} is {actual}, not the pinned {expected}")
    return tarfile.open(tarball)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    if shutil.which("npm") is None:
        print("SKIPPED: npm is not installed (apt-get install npm), so the console's vendored "
              "files were not compared with their npm packages")
        return 0 if check else 1
    manifest = json.loads(MANIFEST.read_text())
    failures = []
    with tempfile.TemporaryDirectory() as scratch:
        for package in manifest["packages"]:
            try:
                tarball = packed(package, Path(scratch))
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
                # The registry cannot be reached: nothing to compare with (the test suite
                # still checks the committed files against their recorded hashes).
                print(f"SKIPPED: npm could not fetch {package['package']}@{package['version']} "
                      f"({error.__class__.__name__}), so the console's vendored files were not "
                      "compared with their npm packages")
                return 0 if check else 1
            with tarball:
                for item in package["files"]:
                    published = tarball.extractfile(f"package/{item['from']}").read()
                    target = ROOT / item["to"]
                    label = f"{package['package']}@{package['version']} {item['from']}"
                    if check:
                        committed = target.read_bytes() if target.is_file() else b""
                        same = committed == published and sha256(committed) == item["sha256"]
                        print(f"{'ok  ' if same else 'DIFF'} {item['to']} = {label}")
                        if not same:
                            failures.append(item["to"])
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(published)
                        item["sha256"] = sha256(published)
                        print(f"wrote {item['to']} from {label}")
    if not check:
        MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    if failures:
        print(f"vendor_console: {len(failures)} file(s) differ from their npm package: "
              "run `python tools/vendor_console.py` and commit, or restore them")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
