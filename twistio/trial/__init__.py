"""trial, on asyncio: test cases (``twistio.trial.unittest``) and the runner
(``python -m twistio.trial``)."""
