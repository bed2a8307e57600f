"""Where the service finds the folders it ships beside its code: the specs and the migrations."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_folder(name: str) -> Path:
    """Return the folder `name` ("openapi" or "migrations") of this installation.

    The repository keeps them at its top level, beside the package, where a
    checkout (and an editable install of it) finds them; a wheel carries them
    inside the package (setup.cfg's package_dir), since nothing beside it in
    site-packages is ours.
    """
    for folder in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"no {name}/ in {PACKAGE_DIR} nor beside it: a broken installation")
