"""Distributed trial: ``trial --jobs N`` runs the tests in N worker processes.

The manager (:mod:`.disttrial`) starts the workers (:mod:`.workertrial`), hands each the name
of one test at a time (:mod:`.workercommands`), and hears back how each test went
(:mod:`.managercommands`), which it reports as one run. Messages are AMP boxes over each
worker's standard input and output.
"""
