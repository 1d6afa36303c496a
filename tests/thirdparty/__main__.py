"""Run third-party libraries' own test suites under real Twisted and under twistio's alias.

    python -m tests.thirdparty [--dir DIR] [--keep] [LIB ...]

For each library (all of ``LIBS`` when none is named) two virtual environments are made from
PyPI, with the same versions of everything:

- ``twisted``: the library, its test requirements and Twisted 26.10.0;
- ``twistio``: the same, then Twisted is uninstalled, this checkout of twistio is installed
  (editable) and a ``.pth`` file calls ``twistio.compat.install()`` at interpreter start-up, so
  the alias is in place before the suite (or any subprocess it starts) imports ``twisted``.

The suite then runs unmodified with its usual runner (pytest, or trial: ``python -m
twisted.trial`` under Twisted, ``python -m twistio.trial`` under the alias) and the per-test
outcomes are compared. The table says, per library, how many tests pass under each and how
many of those passing under Twisted also pass under twistio; ``--details`` lists the rest
with the first line of their error. Environments are kept under DIR (default
``~/.cache/twistio-thirdparty``) and reused; ``--fresh`` rebuilds them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import venv
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TWISTED = "twisted[tls]==26.10.0"
ALIAS_PTH = "import twistio.compat; twistio.compat.install()\n"


@dataclass(frozen=True)
class Lib:
    """One library: what to install and how its suite runs."""

    name: str
    version: str
    install: tuple[str, ...]  # requirements besides Twisted (the library itself first)
    runner: str  # "pytest" or "trial"
    targets: tuple[str, ...]  # test names (trial) or paths in the sdist (pytest)
    from_sdist: bool = False  # the tests live in the sdist, not in the installed package
    env: dict[str, str] = field(default_factory=dict)
    timeout: int = 900
    pytest_args: tuple[str, ...] = ()
    # trial: test modules left out (targets are then the other modules of those packages)
    exclude: tuple[str, ...] = ()


LIBS: dict[str, Lib] = {
    lib.name: lib
    for lib in [
        Lib("txaio", "26.6.1", ("txaio==26.6.1", "pytest"), "pytest", ("tests",), True),
        Lib("treq", "26.7.0", ("treq[dev]==26.7.0",), "trial", ("treq",)),
        Lib(
            "klein",
            "24.8.0",
            ("klein==24.8.0", "treq", "hypothesis", "idna", "zope.interface"),
            "trial",
            ("klein",),
        ),
        Lib(
            "autobahn",
            "26.11.1",
            ("autobahn[twisted,encryption,serialization]==26.11.1", "pytest", "mock"),
            "trial",
            (
                "autobahn.test",
                "autobahn.twisted.test",
                "autobahn.websocket.test",
                "autobahn.rawsocket.test",
                "autobahn.wamp.test",
            ),
            env={"USE_TWISTED": "1"},
        ),
        # test_config's cleanup re-registers itself for ever (under Twisted's trial too).
        Lib("ldaptor", "21.2.0", ("ldaptor==21.2.0",), "trial", ("ldaptor.test",),
            exclude=("ldaptor.test.test_config",)),
        Lib(
            "magic-wormhole",
            "0.24.0",
            ("magic-wormhole[dev,dilate]==0.24.0",),
            "pytest",
            ("src/wormhole",),
            True,
            timeout=1500,
        ),
        Lib(
            "pytest-twisted",
            "1.14.3",
            ("pytest-twisted==1.14.3", "pytest", "greenlet", "hypothesis"),
            "pytest",
            ("testing",),
            True,
        ),
    ]
}


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kw)  # type: ignore[call-overload, no-any-return]


def pip(env_dir: Path, *args: str) -> None:
    run([str(env_dir / "bin" / "python"), "-m", "pip", "-q", "--disable-pip-version-check",
         *args], stdout=subprocess.DEVNULL)


def make_env(root: Path, lib: Lib, side: str, fresh: bool) -> Path:
    """The virtual environment of ``lib`` on ``side`` ("twisted" or "twistio"), made once."""
    env_dir = root / "envs" / f"{lib.name}-{lib.version}-{side}"
    if fresh and env_dir.exists():
        shutil.rmtree(env_dir)
    if (env_dir / "ready").exists():
        return env_dir
    if env_dir.exists():
        shutil.rmtree(env_dir)
    print(f"  making {env_dir.name} ...", flush=True)
    venv.create(env_dir, with_pip=True)
    pip(env_dir, "install", TWISTED, *lib.install)
    if side == "twistio":
        pip(env_dir, "uninstall", "-y", "twisted")
        pip(env_dir, "install", "-e", str(REPO))
        purelib = run(
            [str(env_dir / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True,
        ).stdout.strip()
        Path(purelib, "twistio_alias.pth").write_text(ALIAS_PTH)
    (env_dir / "ready").write_text(time.strftime("%Y-%m-%d %H:%M:%S\n"))
    return env_dir


def sdist(root: Path, lib: Lib, env_dir: Path) -> Path:
    """The unpacked sdist of ``lib`` (downloaded once)."""
    where = root / "sdists"
    where.mkdir(parents=True, exist_ok=True)
    unpacked = [p for p in where.iterdir() if p.is_dir() and _is_sdist_of(p.name, lib)]
    if unpacked:
        return unpacked[0]
    run([str(env_dir / "bin" / "python"), "-m", "pip", "download", "-q", "--no-deps",
         "--no-binary", ":all:", "-d", str(where), f"{lib.name}=={lib.version}"],
        stdout=subprocess.DEVNULL)
    for archive in where.glob("*.tar.gz"):
        if _is_sdist_of(archive.name[: -len(".tar.gz")], lib):
            with tarfile.open(archive) as tar:
                tar.extractall(where, filter="data")
            archive.unlink()
    return next(p for p in where.iterdir() if p.is_dir() and _is_sdist_of(p.name, lib))


def _is_sdist_of(stem: str, lib: Lib) -> bool:
    return re.sub(r"[-_.]+", "-", stem).lower() == re.sub(
        r"[-_.]+", "-", f"{lib.name}-{lib.version}"
    ).lower()


# -- running and parsing ---------------------------------------------------------------------

_TRIAL_LINE = re.compile(r"^(\S+) \.\.\. .*?\[(OK|FAILURE|FAIL|ERROR|SKIPPED|TODO|SUCCESS!\?!)\]\s*$")
_TRIAL_START = re.compile(r"^([\w.]+) \.\.\. ")
_TRIAL_END = re.compile(r"\[(OK|FAILURE|FAIL|ERROR|SKIPPED|TODO|SUCCESS!\?!)\]\s*$")
_TRIAL_OUTCOMES = {"OK": "passed", "FAIL": "failed", "FAILURE": "failed", "ERROR": "error", "SKIPPED": "skipped",
                   "TODO": "xfail", "SUCCESS!?!": "xpass"}


def run_suite(root: Path, lib: Lib, side: str, env_dir: Path) -> dict[str, tuple[str, str]]:
    """Run the suite; each test id -> (outcome, first line of its error)."""
    python = str(env_dir / "bin" / "python")
    work = root / "runs" / f"{lib.name}-{side}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = {**os.environ, **lib.env, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    if lib.runner == "pytest":
        cwd = sdist(root, lib, env_dir) if lib.from_sdist else work
        junit = work / "junit.xml"
        cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
               f"--junitxml={junit}", *lib.pytest_args, *lib.targets]
    else:
        cwd = work
        trial = "twistio.trial" if side == "twistio" else "twisted.trial"
        cmd = [python, "-m", trial, "--reporter=bwverbose", *_trial_targets(python, lib)]
    log = work / "output.txt"
    started = time.monotonic()
    with open(log, "w") as out:
        try:
            subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                           timeout=lib.timeout, check=False)
        except subprocess.TimeoutExpired:
            out.write(f"\n*** timed out after {lib.timeout} s\n")
    elapsed = time.monotonic() - started
    (work / "elapsed").write_text(f"{elapsed:.1f}\n")
    if lib.runner == "pytest":
        return parse_junit(work / "junit.xml") if (work / "junit.xml").exists() else {}
    return parse_trial(log.read_text(errors="replace"))


def _trial_targets(python: str, lib: Lib) -> list[str]:
    """``lib.targets``, each package replaced by its modules when some are excluded."""
    if not lib.exclude:
        return list(lib.targets)
    code = (
        "import importlib, pkgutil, sys\n"
        "for name in sys.argv[1:]:\n"
        "    package = importlib.import_module(name)\n"
        "    for found in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        print(found.name)\n"
    )
    listed = run([python, "-c", code, *lib.targets], capture_output=True).stdout.split()
    return [name for name in listed if name.rpartition(".")[2].startswith("test")
            and not any(name == x or name.startswith(x + ".") for x in lib.exclude)]


def parse_junit(path: Path) -> dict[str, tuple[str, str]]:
    results: dict[str, tuple[str, str]] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        test_id = f"{case.get('classname')}.{case.get('name')}"
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[child.tag]
                message = (child.get("message") or child.text or "").strip().splitlines()[:1]
                message = message[0] if message else ""  # type: ignore[assignment]
                if child.tag == "error" and results.get(test_id, ("",))[0] == "passed":
                    test_id += " (teardown)"
                break
        results[test_id] = (outcome, str(message))
    return results


def parse_trial(text: str) -> dict[str, tuple[str, str]]:
    results: dict[str, tuple[str, str]] = {}
    pending = None  # a test whose "id ... " line was cut by output the test printed
    for line in text.splitlines():
        found = _TRIAL_LINE.match(line)
        if found:
            results[found.group(1)] = (_TRIAL_OUTCOMES[found.group(2)], "")
            pending = None
            continue
        started = _TRIAL_START.match(line)
        if started:
            pending = started.group(1)
            continue
        ended = _TRIAL_END.search(line)
        if ended and pending is not None:
            results[pending] = (_TRIAL_OUTCOMES[ended.group(1)], "")
            pending = None
    # The error reports after the run: a "[FAIL]"/"[ERROR]" line, the traceback, the test ids.
    blocks = re.split(r"^={20,}$", text, flags=re.M)
    for block in blocks:
        block = re.split(r"^-{20,}$", block, flags=re.M)[0]  # the summary follows
        lines = [ln for ln in block.strip().splitlines() if ln.strip()]
        if not lines or lines[0].strip() not in ("[FAIL]", "[ERROR]"):
            continue
        ids = [ln.strip() for ln in lines if ln.strip() in results]
        body = [ln for ln in lines[1:] if ln.strip() not in results]
        message = next((ln.strip() for ln in reversed(body) if re.match(r"^\S", ln)), "")
        for test_id in ids:
            results[test_id] = (results[test_id][0], message[:300])
    return results


# -- the table -------------------------------------------------------------------------------


def compare(lib: Lib, tw: dict[str, tuple[str, str]], ti: dict[str, tuple[str, str]]) -> dict[str, object]:
    passed_tw = {t for t, (o, _) in tw.items() if o == "passed"}
    passed_ti = {t for t, (o, _) in ti.items() if o == "passed"}
    both = passed_tw & passed_ti
    lost = sorted(passed_tw - passed_ti)
    return {
        "library": f"{lib.name} {lib.version}",
        "runner": lib.runner,
        "tests_twisted": len(tw),
        "passed_twisted": len(passed_tw),
        "tests_twistio": len(ti),
        "passed_twistio": len(passed_ti),
        "passed_both": len(both),
        "ratio": (len(both) / len(passed_tw)) if passed_tw else 0.0,
        "lost": {t: ti.get(t, ("missing", "not run under twistio")) for t in lost},
        "gained": sorted(passed_ti - passed_tw),
    }


def print_table(rows: list[dict[str, object]], details: bool) -> None:
    print()
    print("| library | runner | passed under Twisted | passed under twistio | of Twisted's passes | ratio |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['library']} | {row['runner']} | {row['passed_twisted']}/{row['tests_twisted']}"
              f" | {row['passed_twistio']}/{row['tests_twistio']} | {row['passed_both']}"
              f" | {100 * float(row['ratio']):.1f}% |")  # type: ignore[arg-type]
    if details:
        for row in rows:
            lost: dict[str, tuple[str, str]] = row["lost"]  # type: ignore[assignment]
            if lost:
                print(f"\n{row['library']}: passing under Twisted, not under twistio ({len(lost)})")
                for test_id, (outcome, message) in lost.items():
                    print(f"  {outcome:8} {test_id}: {message}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.thirdparty", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("libs", nargs="*", metavar="LIB", help=f"of: {', '.join(LIBS)}")
    parser.add_argument("--dir", default=os.environ.get("TWISTIO_THIRDPARTY_DIR",
                                                        "~/.cache/twistio-thirdparty"))
    parser.add_argument("--fresh", action="store_true", help="rebuild the environments")
    parser.add_argument("--details", action="store_true", help="list the tests lost")
    parser.add_argument("--side", choices=["both", "twisted", "twistio"], default="both",
                        help="run one side only (the other's last results are reused)")
    parser.add_argument("--reparse", action="store_true",
                        help="parse the outputs of the last runs again, running nothing")
    parser.add_argument("--min-ratio", type=float, default=0.0,
                        help="exit 1 if a library's ratio is below this (0..1)")
    options = parser.parse_args(argv)
    unknown = [name for name in options.libs if name not in LIBS]
    if unknown:
        parser.error(f"unknown library {unknown[0]!r}; known: {', '.join(LIBS)}")
    root = Path(options.dir).expanduser()
    rows = []
    for name in options.libs or list(LIBS):
        lib = LIBS[name]
        print(f"{lib.name} {lib.version}", flush=True)
        results = {}
        for side in ("twisted", "twistio"):
            saved = root / "results" / f"{lib.name}-{side}.json"
            if options.reparse:
                log = root / "runs" / f"{lib.name}-{side}" / "output.txt"
                junit = root / "runs" / f"{lib.name}-{side}" / "junit.xml"
                if lib.runner == "pytest":
                    results[side] = parse_junit(junit) if junit.exists() else {}
                else:
                    results[side] = parse_trial(log.read_text(errors="replace"))
                saved.write_text(json.dumps(results[side], indent=0, sort_keys=True))
            elif options.side in ("both", side):
                env_dir = make_env(root, lib, side, options.fresh)
                print(f"  running under {side} ...", flush=True)
                results[side] = run_suite(root, lib, side, env_dir)
                saved.parent.mkdir(parents=True, exist_ok=True)
                saved.write_text(json.dumps(results[side], indent=0, sort_keys=True))
            else:
                results[side] = {k: tuple(v) for k, v in json.loads(saved.read_text()).items()}
        rows.append(compare(lib, results["twisted"], results["twistio"]))
    print_table(rows, options.details)
    bad = [r for r in rows if float(r["ratio"]) < options.min_ratio]  # type: ignore[arg-type]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
