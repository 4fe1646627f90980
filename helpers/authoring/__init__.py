"""Authoring tools for whoever writes the course: build-labs, execute, the agenda and the facilitator guide.

Learners never import this package (``helpers.course`` holds what they run); it may import
``helpers.course``, never the other way round.
"""
