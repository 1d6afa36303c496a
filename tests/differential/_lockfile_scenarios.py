"""lockfile and DeferredFilesystemLock scenarios, run as a script: ``python _lockfile_scenarios.py twisted|twistio``.

tests/differential/test_scenarios_differential.py compares Twisted's output with twistio's.
"""
# ruff: noqa
import sys, importlib, os, tempfile, inspect
pkg = sys.argv[1]
lk = importlib.import_module(pkg + '.python.lockfile')
base = tempfile.mkdtemp()
def show(label, f):
    try: r = f()
    except Exception as e: r = ('EXC', type(e).__name__, [str(a).replace(base, 'BASE') for a in e.args])
    print(label, '=>', repr(r).replace(base, 'BASE').replace('twistio', 'twisted'))
p = os.path.join(base, 'lock')
l = lk.FilesystemLock(p)
show('vars', lambda: sorted(vars(l).items()))
show('isLocked before', lambda: lk.isLocked(p))
show('lock', lambda: l.lock())
show('vars after', lambda: sorted((k, v) for k, v in vars(l).items()))
show('readlink', lambda: os.readlink(p) == str(os.getpid()))
show('isLocked', lambda: lk.isLocked(p))
show('lock again same obj', lambda: l.lock())
l2 = lk.FilesystemLock(p)
show('lock other obj', lambda: l2.lock())
show('unlock other', lambda: l2.unlock())
show('unlock', lambda: l.unlock())
show('unlock again', lambda: l.unlock())
show('exists', lambda: os.path.lexists(p))
os.symlink('999999', p)
show('stale lock', lambda: (l2.lock(), l2.clean))
l2.unlock()
os.symlink('notanumber', p)
show('garbage lock', lambda: l2.lock())
os.remove(p)
os.symlink(str(os.getppid()), p)
show('other live pid', lambda: (l2.lock(), l2.clean, l2.locked))
os.remove(p)
show('unique', lambda: type(lk.unique()).__name__)
show('kill 0', lambda: lk.kill(os.getpid(), 0))

# --- DeferredFilesystemLock
defer = importlib.import_module(pkg + '.internet.defer')
task = importlib.import_module(pkg + '.internet.task')
D = defer.DeferredFilesystemLock
print(D._interval, [b.__name__ for b in D.__mro__])
base = tempfile.mkdtemp(); p = os.path.join(base, 'lock2')
clock = task.Clock()
a = D(p, scheduler=clock); b = D(p, scheduler=clock)
res = []
def cb(r, tag): res.append((tag, r)); return r
def eb(f, tag): res.append((tag, f.type.__name__, str(f.value).replace(base, 'BASE'))); return None
d1 = a.deferUntilLocked(); d1.addCallbacks(cb, eb, callbackArgs=('a',), errbackArgs=('a',))
print('after a', res, a.locked)
d2 = b.deferUntilLocked(timeout=3); d2.addCallbacks(cb, eb, callbackArgs=('b',), errbackArgs=('b',))
print('after b', res, b.locked, b._tryLockCall is not None, b._timeoutCall is not None)
second = []
b.deferUntilLocked().addErrback(lambda f: second.append((f.type.__name__, f.value.args)))
print('second', second)
clock.advance(1); print('t1', res)
a.unlock(); clock.advance(1); print('t2', res, b.locked)
b.unlock()
c = D(p, scheduler=clock); d = D(p, scheduler=clock); c.lock()
d3 = d.deferUntilLocked(timeout=2.5); d3.addCallbacks(cb, eb, callbackArgs=('d',), errbackArgs=('d',))
clock.advance(1); clock.advance(1); clock.advance(1); print('timeout', res, d._tryLockCall)
d4 = d.deferUntilLocked(); d4.addCallbacks(cb, eb, callbackArgs=('d4',), errbackArgs=('d4',))
d4.cancel(); print('cancel', res, d._tryLockCall)
print(clock.getDelayedCalls())
c.unlock()
