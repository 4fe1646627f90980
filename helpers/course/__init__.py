"""What a learner runs: notebook setup, the doctor, reset-lab, cleanup. Run as ``python -m helpers``.

Authoring tools (build-labs, execute, the agenda) live in ``helpers.authoring``; nothing here imports them.
"""
