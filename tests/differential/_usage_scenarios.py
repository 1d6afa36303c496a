"""usage.Options scenarios, run as a script: ``python _usage_scenarios.py twisted|twistio``.

Prints the help texts, parse results and errors of many Options classes;
tests/differential/test_support_differential.py compares Twisted's output with twistio's.
"""
# ruff: noqa
import importlib
import io
import os
import sys

pkg = sys.argv[1]
u = importlib.import_module(pkg + ".python.usage")
sys.argv[0] = "prog.py"
os.environ.pop("COLUMNS", None)
def show(label, f):
    buf = io.StringIO(); old = sys.stdout; sys.stdout = buf
    try:
        try: r = f()
        except SystemExit as e: r = ('EXIT', e.code)
        except Exception as e: r = ('EXC', type(e).__name__, [str(a) for a in e.args])
    finally:
        sys.stdout = old
    print('##', label); print(r if not isinstance(r, str) else r.replace('twistio', 'twisted'))
    if buf.getvalue(): print('-- stdout:'); print(buf.getvalue().replace('twistio', 'twisted'))

# --- us3

class Sub(u.Options):
    optFlags = [['deep', 'd', 'Go deep']]
    optParameters = [['level', 'l', '1', 'The level', int]]
    def parseArgs(self, target): self['target'] = target
class Sub2(u.Options):
    """Sub2 doc."""
    longdesc = 'Sub two does things.'
class Opts(u.Options):
    """Main options doc."""
    optFlags = [['verbose', 'v', 'Be verbose'], ['quiet', 'q', 'Be quiet, really quiet, so quiet that this description wraps over more than one line of the help output for sure'], ['nodesc', None, None], ['x', None, 'short-only flag']]
    optParameters = [['port', 'p', 8080, 'Port to listen on', int], ['host', None, 'localhost', 'Host name'], ['name', 'n', None, 'A name'], ['empty', 'e', '', 'Empty default'], ['listy', None, [], 'list default']]
    subCommands = [['sub', 's', Sub, 'Do the sub thing'], ['other', None, Sub2, 'Other thing']]
    longdesc = 'This is the long description of the program. It is long enough to wrap maybe or maybe not depending on the width of the terminal.'
    def opt_define(self, kv):
        'Define a key=value pair'
        k, v = kv.split('=', 1); self.setdefault('defs', {})[k] = v
    opt_D = opt_define
    def opt_count(self):
        """Count something (repeatable)."""
        self['count'] = self.get('count', 0) + 1
    opt_c = opt_count
    def postOptions(self):
        if self['port'] == 1: raise u.UsageError('port 1 is not allowed')
show('help str', lambda: str(Opts()))
show('synopsis', lambda: Opts().getSynopsis())
show('usage 40', lambda: Opts().getUsage(40))
show('usage 120', lambda: Opts().getUsage(120))
for args in [[], ['-v'], ['--verbose', '-p', '99'], ['-p99', '--host=h', 'sub', 'tgt'], ['-vq', '-Dk=v', '--define', 'a=b', '-cc', '--count'], ['--port', 'notint'], ['--nope'], ['-z'], ['--port'], ['-p', '1'], ['sub'], ['sub', 'a', 'b'], ['sub', '-d', '-l', '5', 't'], ['sub', '--level=x', 't'], ['s', 't'], ['other'], ['other', 'extra'], ['--verbose=3'], ['--verb'], ['--po', '7'], ['--', '-v'], ['unknowncmd'], ['--help'], ['sub', '--help'], ['--version']]:
    def run(args=args):
        o = Opts(); o.parseOptions(args)
        return (sorted((k, v if not isinstance(v, u.Options) else ('OPTS', sorted(v.items()))) for k, v in o.items()), o.subCommand, type(o.subOptions).__name__ if hasattr(o, 'subOptions') else None)
    show(f'parse {args}', run)
class Plain(u.Options):
    pass
show('plain str', lambda: str(Plain()))
show('plain parse extra', lambda: Plain().parseOptions(['a']))
class Args(u.Options):
    def parseArgs(self, a, b=None, *rest): self['a'] = (a, b, rest)
show('args 0', lambda: Args().parseOptions([]))
show('args 1', lambda: (lambda o: (o.parseOptions(['x']), o['a']))(Args()))
show('args 3', lambda: (lambda o: (o.parseOptions(['x','y','z']), o['a']))(Args()))
show('args str', lambda: str(Args()))
class Syn(u.Options):
    synopsis = 'Usage: prog [options] FILE'
    optFlags = [['a', 'a', 'A']]
show('syn str', lambda: str(Syn()))
class Def(u.Options):
    subCommands = [['one', None, Sub2, 'One'], ['two', 't', Sub2, 'Two']]
    defaultSubCommand = 'two'
show('default subcommand', lambda: (lambda o: (o.parseOptions([]), o.subCommand))(Def()))
show('default subcommand str', lambda: str(Def()))
show('sub synopsis', lambda: (lambda o: (o.parseOptions(['sub', 'x']), o.subOptions.getSynopsis(), str(o.subOptions)))(Opts()))
show('portCoerce', lambda: (u.portCoerce('80'), u.portCoerce('0')))
show('portCoerce bad', lambda: u.portCoerce('70000'))
show('portCoerce nonint', lambda: u.portCoerce('x'))
show('portCoerce doc', lambda: u.portCoerce.coerceDoc)
class WithCoerceDoc(u.Options):
    optParameters = [['port', 'p', 80, 'The port.', u.portCoerce], ['f', None, 1.5, 'A float', float]]
show('coerce doc str', lambda: str(WithCoerceDoc()))
show('docMakeChunks', lambda: u.docMakeChunks([{'long': 'foo', 'short': 'f', 'doc': 'Foo it', 'optType': 'flag', 'default': None, 'dispatch': None}], 60))
show('flagFunction', lambda: (u.flagFunction(Opts.opt_define), u.flagFunction(Opts.opt_count)))
show('flagFunction bad', lambda: u.flagFunction(lambda self, a, b: None, 'bad'))
show('UsageError str', lambda: str(u.UsageError('x')))
# --- us4
class O(u.Options):
    optFlags = [['alpha', 'a', 'First line of doc.\nSecond line of doc.']]
    optParameters = [['beta', 'b', None, 'Has coerce doc but no default', u.portCoerce], ['gamma', None, None, None]]
    def opt_foo(self):
        """
        Multi-line
        docstring here.
        """
    opt_F = opt_foo
    def opt_withdefault(self, value='x'):
        "With default arg"
    def opt_z(self, v):
        "Single letter param"
    subCommands = [['averyveryverylongcommandname', 'a', u.Options, 'A description that is quite long and should wrap around the width of the terminal at some point for sure'], ['b', None, u.Options, None]]
show('str', lambda: str(O()))
o = O()
show('hash', lambda: hash(o) == hash(o))
show('flagFunction bound', lambda: (u.flagFunction(o.opt_foo), u.flagFunction(o.opt_z), u.flagFunction(o.opt_withdefault)))
show('flagFunction 2 args', lambda: u.flagFunction(lambda a, b: None))
show('parse bar', lambda: (lambda x: (x.parseOptions(['--foo', '-F', '--withdefault=3', '-z', '1', '--z', '2']), sorted(x.items())))(O()))
show('parse b', lambda: (lambda x: (x.parseOptions(['-b', '99999']), sorted(x.items())))(O()))
show('parse gamma', lambda: (lambda x: (x.parseOptions(['--gamma', 'g']), sorted(x.items())))(O()))
show('parse cmd b', lambda: (lambda x: (x.parseOptions(['b']), x.subCommand, x.subOptions.parent is x))(O()))
show('parse cmd a', lambda: (lambda x: (x.parseOptions(['a']), x.subCommand))(O()))
sys.argv[0] = '/usr/bin/foo.bar'
show('argv0', lambda: O().getSynopsis())
sys.argv[0] = ''
show('argv0 empty', lambda: u.Options().getSynopsis())
os.environ['COLUMNS'] = '50'
show('columns 50', lambda: str(O()))
del os.environ['COLUMNS']
class Parent(u.Options):
    subCommands = [['child', None, O, 'child']]
p = Parent(); p.parseOptions(['child'])
show('child synopsis', lambda: p.subOptions.getSynopsis())
show('child str', lambda: str(p.subOptions)[:200])
class Dup(u.Options):
    optFlags = [['same', 's', 'flag one']]
    optParameters = [['same', 's', None, 'param too']]
class BadDefault(u.Options):
    optParameters = [['p', None, 'notanint', 'doc', int]]
show('bad default', lambda: (lambda x: (x.parseOptions([]), sorted(x.items())))(BadDefault()))
class Long(u.Options):
    optParameters = [['a-very-long-option-name-indeed', 'x', 'some-default-value', 'Described here.']]
    optFlags = [['under_score', 'u', 'Underscore flag']]
show('long str', lambda: str(Long()))
show('long parse', lambda: (lambda x: (x.parseOptions(['--a-very-long-option-name-indeed=v', '--under_score']), sorted(x.items())))(Long()))
show('long parse dash', lambda: (lambda x: (x.parseOptions(['--under-score']), sorted(x.items())))(Long()))
class Ambig(u.Options):
    optFlags = [['verbose', None, 'v'], ['version2', None, 'v2']]
show('ambig', lambda: Ambig().parseOptions(['--ver']))
show('abbrev exact', lambda: Ambig().parseOptions(['--verbose']))
class Gnu(u.Options):
    optFlags = [['flag', 'f', 'f']]
    def parseArgs(self, *a): self['args'] = a
show('interspersed', lambda: (lambda x: (x.parseOptions(['a', '-f', 'b']), sorted(x.items())))(Gnu()))
show('double dash', lambda: (lambda x: (x.parseOptions(['--', '-f']), sorted(x.items())))(Gnu()))
show('no options given uses argv', lambda: (sys.argv.__setitem__(slice(1, None), ['-f', 'x']), (lambda x: (x.parseOptions(), sorted(x.items())))(Gnu()))[1])
# --- us6
sys.argv[0] = 'prog.py'
class ChildSyn(u.Options):
    synopsis = 'Usage: custom child'
class Child(u.Options):
    pass
class P1(u.Options):
    synopsis = 'Usage: prog [opts] CMD'
    subCommands = [['c', None, Child, 'c'], ['cs', None, ChildSyn, 'cs']]
class P2(u.Options):
    subCommands = [['c', None, Child, 'c'], ['cs', None, ChildSyn, 'cs']]
for P in (P1, P2):
    for cmd in ('c', 'cs'):
        def f(P=P, cmd=cmd):
            p = P(); p.parseOptions([cmd]); return (p.subOptions.getSynopsis(), str(p.subOptions).splitlines()[0], p.getSynopsis())
        show(f'{P.__name__} {cmd}', f)
class Deep(u.Options):
    subCommands = [['p', None, P2, 'p']]
show('deep', lambda: (lambda d: (d.parseOptions(['p', 'c']), d.subOptions.subOptions.getSynopsis()))(Deep()))
class LongDesc(u.Options):
    longdesc = 'Line one.\n\nLine two after blank.\n   indented'
    optFlags = [['f', None, 'F']]
show('longdesc', lambda: str(LongDesc()))
class DocOnly(u.Options):
    """Docstring only."""
show('doc only', lambda: str(DocOnly()))
class LongdescNoOpts(u.Options):
    longdesc = 'Only long desc.'
    def opt_help(self): pass
    def opt_version(self): pass
show('no help', lambda: str(LongdescNoOpts()))
class SubCmdsOnly(u.Options):
    subCommands = [['x', None, u.Options, 'X cmd']]
    longdesc = 'LD'
show('subcmds longdesc', lambda: str(SubCmdsOnly()))
class Empty(u.Options):
    def opt_help(self): pass
    opt_help = None
show('empty', lambda: str(Empty()))
class CompData(u.Options):
    optFlags = [['a', None, 'A']]
    compData = u.Completions(descriptions={'a': 'comp desc'})
show('compdata', lambda: str(CompData()))
show('compdata attr', lambda: (CompData.completionData, CompData().completionData))
class WithParseArgsDoc(u.Options):
    def parseArgs(self, infile, outfile=None):
        pass
show('parseargs synopsis', lambda: WithParseArgsDoc().getSynopsis())
class Inherit(CompData):
    optFlags = [['b', None, 'B']]
    optParameters = [['a', None, 'd', 'A param overriding flag']]
show('inherit', lambda: str(Inherit()))
show('inherit parse', lambda: (lambda o: (o.parseOptions(['--b']), sorted(o.items())))(Inherit()))
# --- us7
sys.argv[0] = 'prog'
class O(u.Options):
    optFlags = [['a', 'a', 'A flag'], ['with_under', 'w', 'underscore flag'], ['with-dash', None, 'dash flag']]
    optParameters = [['p_x', None, None, 'param underscore']]
    def opt_foo_bar(self, v):
        "foo bar handler"
        self['fb'] = v
    def opt_k(self):
        "k only"
        self['k'] = 1
show('str', lambda: str(O()))
for args in (['-a'], ['--a'], ['--with_under'], ['--with-under'], ['--with-dash'], ['--with_dash'], ['--p_x=1'], ['--p-x=1'], ['--foo-bar=1'], ['--foo_bar=1'], ['-k'], ['-w']):
    show(f'parse {args}', lambda args=args: (lambda o: (o.parseOptions(args), sorted(o.items())))(O()))
o = O()
show('generic flag value', lambda: o._generic_flag('a', 'v'))
show('generic flag empty', lambda: (o._generic_flag('a', ''), o['a']))
show('attrs', lambda: (o.longOpt, o.shortOpt, sorted(o.synonyms.items()), sorted(o.docs.items()), sorted(o.defaults.items())))
class Alias(u.Options):
    def opt_verbose(self):
        "Verbose"
        self['v'] = self.get('v', 0) + 1
    opt_v = opt_verbose
    opt_V = opt_verbose
    def opt_q(self): "q"
    opt_quiet = opt_q
show('alias str', lambda: str(Alias()))
show('alias attrs', lambda: (Alias().longOpt, Alias().shortOpt, sorted(Alias().synonyms.items())))
show('alias parse', lambda: (lambda o: (o.parseOptions(['-vV', '--verbose', '-q', '--quiet']), sorted(o.items())))(Alias()))
