"""Under the ``twisted`` alias, a reactor swapped through sys.modules["twisted.internet.reactor"]
and put back there is the one twistio's defaults (LoopingCall's clock, react) use again, as
Twisted's own test_task does around its fake reactors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent(
    """
    import sys
    import twistio.compat
    twistio.compat.install()
    from twisted.internet import reactor as original
    from twisted.internet import main, task

    class Fake:
        pass

    fake = Fake()
    saved = sys.modules.pop("twisted.internet.reactor")
    main.installReactor(fake)
    during = task.LoopingCall(lambda: None).clock
    sys.modules["twisted.internet.reactor"] = saved  # what a test's cleanup puts back
    after = task.LoopingCall(lambda: None).clock
    print(during is fake, after is original)
    """
)


def test_reactor_put_back_in_sys_modules_is_the_default_again() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60
    )
    assert out.stdout.split() == ["True", "True"], out.stderr
