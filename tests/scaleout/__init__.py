"""The scaled-out deployment on one machine: network namespaces as hosts (see cluster.py)."""
