"""Where student code runs: a separate, limited process that the grader talks to by a protocol that
cannot execute code.

engines.py picks an engine (local.py: namespaces on this machine; docker.py: a container of
images.py's image); each gives session.py's Session a box (box.py) under the limits of limits.py;
replies.py checks everything that comes back. harness/ holds the files that run inside.
"""
