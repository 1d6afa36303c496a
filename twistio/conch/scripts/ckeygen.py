"""``ckeygen``: make SSH keys, show their fingerprints and public halves, change passphrases.

``python -m twistio.conch.scripts.ckeygen -t ed25519 -f key`` makes a key pair (``key`` and
``key.pub``); ``-l`` prints a fingerprint, ``-y`` the public key of a private key file,
``-p`` changes the passphrase. Errors a user can fix end the program with a message
(``SystemExit``), as Twisted's ``ckeygen`` does.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from twistio.conch.ssh import keys
from twistio.python import failure, filepath, log, usage

__all__ = [
    "GeneralOptions",
    "changePassPhrase",
    "displayPublicKey",
    "enumrepresentation",
    "generateDSAkey",
    "generateECDSAkey",
    "generateEd25519key",
    "generateRSAkey",
    "handleError",
    "printFingerprint",
    "run",
    "supportedKeyTypes",
]


class GeneralOptions(usage.Options):
    """ckeygen's command line."""

    synopsis = "Usage:    ckeygen [options]\n "

    longdesc = "Make SSH key pairs, and read or re-encrypt key files."

    optParameters: list[list[Any]] = [
        ["bits", "b", None, "How many bits the new key has."],
        ["comment", "C", None, "A new comment."],
        ["filename", "f", None, "The key file."],
        ["format", "o", "sha256-base64", "The fingerprint format (md5-hex, sha256-base64)."],
        ["newpass", "N", None, "The new passphrase."],
        ["pass", "P", None, "The current passphrase."],
        ["private-key-subtype", None, None,
         'The format of private key files written ("PEM" or "v1").'],
        ["type", "t", None, "The type of key to make (rsa, dsa, ecdsa, ed25519)."],
    ]

    optFlags: list[list[Any]] = [
        ["changepass", "p", "Change the passphrase of the private key file."],
        ["fingerprint", "l", "Print the fingerprint of the key file."],
        ["no-passphrase", None, "Make the key without a passphrase."],
        ["quiet", "q", "Say less."],
        ["showpub", "y", "Print the public key of the private key file."],
    ]


def run() -> None:
    """The ``ckeygen`` program: parse ``sys.argv`` and do what it asks."""
    options = GeneralOptions()
    try:
        options.parseOptions(sys.argv[1:])
    except usage.UsageError as u:
        print(f"ERROR: {u}")
        options.opt_help()
        sys.exit(1)
    log.discardLogs()
    log.deferr = handleError  # type: ignore[assignment]
    if options["type"]:
        generator = supportedKeyTypes.get(options["type"])
        if generator is None:
            sys.exit(
                f"Key type was {options['type']!r}, must be one of: "
                + ", ".join(supportedKeyTypes)
            )
        generator(options)
        return
    for flag, action in _ACTIONS:
        if options[flag]:
            action(options)
            return
    options.opt_help()
    sys.exit(1)


def enumrepresentation(options: dict[Any, Any]) -> dict[Any, Any]:
    """``options`` with its ``format`` turned into a ``keys.FingerprintFormats`` constant;
    ``BadFingerPrintFormat`` for a format there is none of."""
    formats = {
        "md5-hex": keys.FingerprintFormats.MD5_HEX,
        "sha256-base64": keys.FingerprintFormats.SHA256_BASE64,
    }
    wanted = options["format"]
    if wanted not in formats:
        raise keys.BadFingerPrintFormat(f"Unsupported fingerprint format: {wanted}")
    options["format"] = formats[wanted]
    return options


def handleError() -> None:
    """Log the exception being handled and re-raise it; the program exits with status 2."""
    global exitStatus
    exitStatus = 2
    log.err(failure.Failure())
    raise


exitStatus = 0


def _generator(make: Callable[[dict[Any, Any]], Any], label: str) -> Callable[[dict[Any, Any]], None]:
    def generate(options: dict[Any, Any]) -> None:
        print(f"Generating public/private {label} key pair.")
        _saveKey(keys.Key(make(options)), options)

    generate.__name__ = f"generate{label.upper() if label != 'ed25519' else 'Ed25519'}key"
    generate.__doc__ = f"Make a new {label} key pair and save it (``options['bits']``)."
    return generate


def _bits(options: dict[Any, Any], default: int) -> int:
    return int(options.get("bits") or default)


def _rsa(options: dict[Any, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=_bits(options, 2048))


def _dsa(options: dict[Any, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import dsa

    return dsa.generate_private_key(key_size=_bits(options, 1024))


def _ecdsa(options: dict[Any, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    curves: dict[int, ec.EllipticCurve] = {
        256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()
    }
    bits = _bits(options, 256)
    if bits not in curves:
        sys.exit(f"ECDSA keys have 256, 384 or 521 bits, not {bits}")
    return ec.generate_private_key(curves[bits])


def _ed25519(options: dict[Any, Any]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    return ed25519.Ed25519PrivateKey.generate()


generateRSAkey = _generator(_rsa, "rsa")
generateDSAkey = _generator(_dsa, "dsa")
generateECDSAkey = _generator(_ecdsa, "ecdsa")
generateEd25519key = _generator(_ed25519, "ed25519")

#: ``-t`` names and the functions that make such keys.
supportedKeyTypes: dict[str, Callable[[dict[Any, Any]], None]] = {
    "rsa": generateRSAkey,
    "dsa": generateDSAkey,
    "ecdsa": generateECDSAkey,
    "ed25519": generateEd25519key,
}


def _defaultPrivateKeySubtype(keyType: str) -> str:
    """The private key file format for a ``Key.type()``: ``v1`` for Ed25519 (the only
    format it has), else ``PEM``."""
    return "v1" if keyType == "Ed25519" else "PEM"


def _inputSaveFile(prompt: str) -> str:
    """Ask where to save the key (a seam for tests)."""
    return input(prompt)


def _getKeyOrDefault(
    options: dict[Any, Any],
    inputCollector: Callable[[str], str] | None = None,
    keyTypeName: str = "rsa",
) -> str:
    """The key file of ``options``; without one, ask (default ``~/.ssh/id_<type>``)."""
    filename: str = options["filename"]
    if filename:
        return filename
    if inputCollector is None:
        inputCollector = input
    default = os.path.expanduser(os.path.join("~", ".ssh", f"id_{keyTypeName}"))
    answer = inputCollector(f"Enter file in which the key is ({default}): ")
    return answer.strip() or default


def _unreadable(filename: str) -> str:
    return f"{filename} could not be opened, please specify a file."


def _readOrExit(filename: str) -> keys.Key:
    try:
        return keys.Key.fromFile(filename)
    except FileNotFoundError:
        sys.exit(_unreadable(filename))


def printFingerprint(options: dict[Any, Any]) -> None:
    """Print ``<bits> <fingerprint> <file name>`` of the key (``file.pub`` when there is
    one)."""
    fingerprintFormat = enumrepresentation(options)["format"]
    filename = _getKeyOrDefault(options)
    public = filename + ".pub"
    filename = public if os.path.exists(public) else filename
    key = _readOrExit(filename)
    print(f"{key.size()} {key.fingerprint(fingerprintFormat)} {os.path.basename(filename)}")


def _askTwice(prompt: str) -> str:
    """A new passphrase, typed twice the same."""
    while (first := getpass.getpass(prompt)) != getpass.getpass("Enter same passphrase again: "):
        print("Passphrases do not match.  Try again.")
    return first


def _cannotChange(reason: object) -> NoReturn:
    sys.exit(f"Could not change passphrase: {reason}")


def _loadForChange(filename: str, options: dict[Any, Any]) -> keys.Key:
    """The key in ``filename``, decrypted with the old passphrase (asked for if needed)."""
    encrypted = False
    try:
        return keys.Key.fromFile(filename)
    except FileNotFoundError:
        sys.exit(_unreadable(filename))
    except keys.EncryptedKeyError:
        encrypted = True
    except keys.BadKeyError as e:
        _cannotChange(e)
    assert encrypted
    options["pass"] = options.get("pass") or getpass.getpass("Enter old passphrase: ")
    try:
        return keys.Key.fromFile(filename, passphrase=options["pass"])
    except keys.EncryptedKeyError as e:  # an empty passphrase
        _cannotChange(e)
    except keys.BadKeyError:
        _cannotChange("old passphrase error")


def changePassPhrase(options: dict[Any, Any]) -> None:
    """Re-encrypt a private key file with a new passphrase (asked for when not given)."""
    filename = _getKeyOrDefault(options)
    key = _loadForChange(filename, options)
    options["newpass"] = options.get("newpass") or _askTwice(
        "Enter new passphrase (empty for no passphrase): "
    )
    subtype = options.get("private-key-subtype") or _defaultPrivateKeySubtype(key.type())
    try:
        written = key.toString("openssh", subtype=subtype, passphrase=options["newpass"])
        # Read it back first: a broken result never replaces the file.
        keys.Key.fromString(written, passphrase=options["newpass"])
    except Exception as e:
        _cannotChange(e)
    filepath.FilePath(filename).setContent(written)
    print("Your identification has been saved with the new passphrase.")


def displayPublicKey(options: dict[Any, Any]) -> None:
    """Print the public key (OpenSSH line) of a private key file."""
    filename = _getKeyOrDefault(options)
    try:
        key = keys.Key.fromFile(filename)
    except FileNotFoundError:
        sys.exit(_unreadable(filename))
    except keys.EncryptedKeyError:
        if not options.get("pass"):
            options["pass"] = getpass.getpass("Enter passphrase: ")
        key = keys.Key.fromFile(filename, passphrase=options["pass"])
    print(key.public().toString("openssh").decode("ascii"))


def _saveKey(
    key: keys.Key,
    options: dict[Any, Any],
    inputCollector: Callable[[str], Any] | None = None,
) -> None:
    """Write ``key`` (private, mode 0600) and its public half (``.pub``), and report them
    with the fingerprint. An existing file is replaced only when the user says so."""
    keyTypeName = key.type().lower()
    if inputCollector is None:
        inputCollector = input
    filename = options.get("filename")
    if not filename:
        default = os.path.expanduser(os.path.join("~", ".ssh", f"id_{keyTypeName}"))
        answer = _inputSaveFile(f"Enter file in which to save the key ({default}): ")
        filename = answer.strip() or default
    if os.path.exists(filename):
        print(f"{filename} already exists.")
        answer = inputCollector("Overwrite (y/n)? ")
        if not answer or answer[0].lower() != "y":
            sys.exit()
    passphrase: Any = b""
    if not options.get("no-passphrase"):
        passphrase = options.get("pass") or _askTwice(
            "Enter passphrase (empty for no passphrase): "
        )
    options = enumrepresentation(options)
    subtype = options.get("private-key-subtype") or _defaultPrivateKeySubtype(key.type())
    private = filepath.FilePath(filename)
    comment = f"{getpass.getuser()}@{_hostname()}"
    private.setContent(key.toString("openssh", subtype=subtype, passphrase=passphrase))
    private.chmod(0o600)
    public = filepath.FilePath(filename + ".pub")
    public.setContent(key.public().toString("openssh", comment=comment))
    print(f"Your identification has been saved in {filename}")
    print(f"Your public key has been saved in {filename}.pub")
    print(f"The key fingerprint in {options['format']} is:")
    print(key.fingerprint(options["format"]))


def _hostname() -> str:
    import socket

    return socket.gethostname()


# The flags that name what to do with an existing key, in order of precedence.
_ACTIONS = (("fingerprint", printFingerprint), ("changepass", changePassPhrase),
            ("showpub", displayPublicKey))


if __name__ == "__main__":
    run()
