"""A small Twisted-style test suite, ported by changing only its imports (twisted -> twistio).

``test_runner.py`` runs it under twistio's trial, and a copy with the imports switched back
under Twisted's trial, and checks the two give the same results.
"""
