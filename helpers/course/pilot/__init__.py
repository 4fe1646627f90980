"""Pilot timings: scripted learner runs plus a stated reading model (see make_pilot.py), not learner data."""
