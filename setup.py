"""Every package under app/ is found; the specs and migrations kept at the top level go in
as app.openapi and app.migrations (setup.cfg's package_dir). The rest is in setup.cfg."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["app", "app.*"])
      + ["app.openapi", "app.migrations", "app.migrations.versions"])
