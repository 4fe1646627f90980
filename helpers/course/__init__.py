"""Course tooling: building labs, the doctor, the agenda, cleanup. Run as ``python -m helpers``."""
