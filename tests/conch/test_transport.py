"""twistio.conch.ssh.transport: version exchange, algorithms, packets, limits, rekeying."""

from __future__ import annotations

import random
import struct

import pytest

pytest.importorskip("cryptography")

from twistio.conch.ssh import _kex, transport  # noqa: E402
from twistio.conch.ssh.common import NS, getNS  # noqa: E402
from twistio.internet import task  # noqa: E402
from twistio.internet.testing import StringTransport  # noqa: E402

from . import _support as S  # noqa: E402


def _server() -> tuple[transport.SSHServerTransport, StringTransport]:
    f = S.make_factory()
    f.clock = task.Clock()
    f.startFactory()
    proto = f.buildProtocol(None)
    io = StringTransport()
    proto.makeConnection(io)
    return proto, io


def _disconnect_of(data: bytes) -> tuple[int, bytes] | None:
    """The (code, text) of the first plain DISCONNECT packet in ``data``, if any."""
    pos = 0
    while pos + 5 <= len(data):
        length, pad = struct.unpack(">LB", data[pos : pos + 5])
        payload = data[pos + 5 : pos + 4 + length - pad]
        if payload[:1] == bytes([transport.MSG_DISCONNECT]):
            code = struct.unpack(">L", payload[1:5])[0]
            return code, getNS(payload[5:])[0]
        pos += 4 + length
    return None


def _after_version(io: StringTransport) -> bytes:
    value = io.value()
    return value[value.index(b"\r\n") + 2 :]


# --------------------------------------------------------------- version exchange


def test_sends_version_and_kexinit() -> None:
    proto, io = _server()
    value = io.value()
    assert value.startswith(b"SSH-2.0-Twistio_")
    assert proto.ourVersionString == value.split(b"\r\n")[0]
    payload = _after_version(io)
    assert payload[5] == transport.MSG_KEXINIT


def test_offered_algorithms_are_strong() -> None:
    proto, io = _server()
    payload = proto.ourKexInitPayload
    lists = getNS(payload[17:], 10)[:10]
    kex, hostkeys, ciphers, _, macs, _, compression = (x.split(b",") for x in lists[:7])
    assert b"curve25519-sha256" in kex and b"kex-strict-s-v00@openssh.com" in kex
    assert hostkeys == [b"ssh-ed25519", b"rsa-sha2-512", b"rsa-sha2-256"]
    weak = [n for n in kex + hostkeys + ciphers + macs
            if b"sha1" in n or n.endswith(b"-cbc") or n in (b"ssh-rsa", b"ssh-dss")]
    assert weak == []
    assert ciphers[0] == b"chacha20-poly1305@openssh.com"
    assert compression == [b"none", b"zlib@openssh.com"]
    # No group exchange without primes.
    assert b"diffie-hellman-group-exchange-sha256" not in kex


@pytest.mark.parametrize(("line", "code", "text"), [
    (b"SSH-1.5-old\r\n", transport.DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED, b"bad version 1.5"),
    (b"SSH-2.0-" + b"x" * 300 + b"\r\n", transport.DISCONNECT_PROTOCOL_ERROR,
     b"version line longer than 255 bytes"),
])
def test_bad_version_lines(line: bytes, code: int, text: bytes) -> None:
    proto, io = _server()
    io.clear()
    proto.dataReceived(line)
    assert _disconnect_of(io.value()) == (code, text)
    assert io.disconnecting


def test_version_without_newline_is_bounded() -> None:
    """CVE-2022-21716: a peer streaming a version line without end must not use memory."""
    proto, io = _server()
    io.clear()
    for _ in range(3):
        proto.dataReceived(b"x" * 2000)
    assert _disconnect_of(io.value()) == (
        transport.DISCONNECT_CONNECTION_LOST,
        b"Peer version string longer than 4KB. Preventing a denial of service attack.")
    assert io.disconnecting


def test_lines_before_the_version_are_skipped_but_bounded() -> None:
    proto, io = _server()
    proto.dataReceived(b"hello\r\nworld\r\nSSH-2.0-peer comment\r\n")
    assert proto.gotVersion and proto.otherVersionString == b"SSH-2.0-peer comment"
    proto2, io2 = _server()
    io2.clear()
    for _ in range(100):
        proto2.dataReceived(b"y" * 1000 + b"\n")
        if io2.disconnecting:
            break
    assert io2.disconnecting
    assert _disconnect_of(io2.value())[0] == transport.DISCONNECT_PROTOCOL_ERROR


def test_version_split_across_reads() -> None:
    proto, io = _server()
    for piece in (b"SS", b"H-2.0-", b"split\r", b"\n"):
        proto.dataReceived(piece)
    assert proto.gotVersion and proto.otherVersionString == b"SSH-2.0-split"


def test_old_1_99_version_accepted() -> None:
    proto, io = _server()
    proto.dataReceived(b"SSH-1.99-compat\r\n")
    assert proto.gotVersion and not io.disconnecting


# --------------------------------------------------------------- packets


def _plain_packet(payload: bytes, pad: int = 4) -> bytes:
    body = bytes([pad]) + payload + b"\0" * pad
    total = 4 + len(body)
    extra = -total % 8
    body = bytes([pad + extra]) + payload + b"\0" * (pad + extra)
    return struct.pack(">L", len(body)) + body


def test_oversized_packet_length_disconnects() -> None:
    proto, io = _server()
    proto.dataReceived(b"SSH-2.0-peer\r\n")
    io.clear()
    proto.dataReceived(struct.pack(">L", 10 * 1024 * 1024) + b"\0" * 4)
    code, text = _disconnect_of(io.value()) or (None, b"")
    assert code == transport.DISCONNECT_PROTOCOL_ERROR and text.startswith(b"bad packet length")


def test_bad_padding_disconnects() -> None:
    proto, io = _server()
    proto.dataReceived(b"SSH-2.0-peer\r\n")
    io.clear()
    packet = struct.pack(">LB", 12, 200) + b"\x02" + b"\0" * 10
    proto.dataReceived(packet)
    assert _disconnect_of(io.value()) == (transport.DISCONNECT_PROTOCOL_ERROR,
                                          b"bad padding length")


def test_truncated_message_disconnects_with_protocol_error() -> None:
    proto, io = _server()
    proto.dataReceived(b"SSH-2.0-peer\r\n")
    io.clear()
    proto.dataReceived(_plain_packet(bytes([transport.MSG_KEXINIT]) + b"short"))
    assert _disconnect_of(io.value()) == (transport.DISCONNECT_PROTOCOL_ERROR, b"bad packet")


def test_strict_kex_refuses_messages_before_kexinit() -> None:
    """Terrapin: with strict kex, an IGNORE before the peer's KEXINIT ends the connection."""
    lb = S.loopback()
    client_first = lb.client_io.value()
    lb.client_io.clear()
    # Inject an IGNORE after the client's KEXINIT but before the exchange completes.
    lb.server.dataReceived(client_first)
    lb.server_io.clear()
    lb.server.dataReceived(_plain_packet(bytes([transport.MSG_IGNORE]) + NS(b"x")))
    assert _disconnect_of(lb.server_io.value()) == (
        transport.DISCONNECT_PROTOCOL_ERROR, b"unexpected message during strict key exchange")


def test_kexinit_must_be_first_under_strict_kex() -> None:
    lb = S.loopback()
    client_bytes = lb.client_io.value()
    version, rest = client_bytes.split(b"\r\n", 1)
    lb.server_io.clear()
    lb.server.dataReceived(version + b"\r\n" + _plain_packet(bytes([transport.MSG_IGNORE]) + NS(b""))
                           + rest)
    assert _disconnect_of(lb.server_io.value()) == (
        transport.DISCONNECT_PROTOCOL_ERROR, b"strict KEX: KEXINIT was not the first packet")


def test_no_common_algorithm() -> None:
    def setup(client: S.TestClientTransport) -> None:
        client.supportedCiphers = [b"aes128-cbc"]

    lb = S.loopback(client_setup=setup)
    lb.pump()
    assert lb.server_io.disconnecting
    assert lb.client._disconnected


def test_fuzzed_packets_never_raise() -> None:
    """Bounded fuzz of the packet parser: random and mutated packets after the version
    line get a DISCONNECT or wait for more bytes; no exception escapes."""
    rng = random.Random(20)
    lb = S.loopback()
    kexinit = lb.client_io.value().split(b"\r\n", 1)[1]
    for i in range(400):
        proto, io = _server()
        proto.dataReceived(b"SSH-2.0-fuzz\r\n")
        choice = i % 4
        if choice == 0:
            data = rng.randbytes(rng.randint(1, 300))
        elif choice == 1:
            data = bytearray(kexinit)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        elif choice == 2:
            data = _plain_packet(bytes([rng.randrange(256)]) + rng.randbytes(rng.randint(0, 64)))
        else:
            data = kexinit[: rng.randrange(len(kexinit))]
        for start in range(0, len(data), 37):
            proto.dataReceived(data[start : start + 37])
        assert len(proto.buf) <= proto.max_packet_size + 64


def test_fuzzed_version_lines_never_raise() -> None:
    rng = random.Random(21)
    alphabet = b"SH-.0129 \r\n\x00\xff"
    for _ in range(300):
        proto, io = _server()
        data = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 80)))
        proto.dataReceived(data)
        assert len(proto.buf) <= proto.max_version_bytes + 80


# --------------------------------------------------------------- algorithms end to end


def _login(**setup: object) -> S.Loopback:
    conn = S.ReadyConnection()

    def client_setup(client: S.TestClientTransport) -> None:
        for name, value in setup.items():
            setattr(client, name, value)

    lb = S.loopback(client_setup=client_setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    lb.conn = conn  # type: ignore[attr-defined]
    return lb


@pytest.mark.parametrize("kex", [k for k in _kex.supported() if b"exchange" not in k])
def test_every_key_exchange(kex: bytes) -> None:
    lb = _login(supportedKeyExchanges=[kex])
    assert lb.client.kexAlg == lb.server.kexAlg == kex
    assert lb.conn.started  # type: ignore[attr-defined]


@pytest.mark.parametrize("cipher", transport.SSHTransportBase.supportedCiphers
                         + [b"aes128-cbc", b"aes256-cbc"])
@pytest.mark.parametrize("mac", [b"hmac-sha2-256", b"hmac-sha2-512-etm@openssh.com"])
def test_every_cipher_and_mac(cipher: bytes, mac: bytes) -> None:
    def setup(t: S.TestClientTransport) -> None:
        t.supportedCiphers = [cipher]
        t.supportedMACs = [mac]

    f = S.make_factory()
    f.protocol = type("Server", (transport.SSHServerTransport,),
                      {"supportedCiphers": [cipher], "supportedMACs": [mac]})
    conn = S.ReadyConnection()
    lb = S.loopback(f, client_setup=setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    assert lb.client.currentEncryptions.outCipType == cipher
    assert conn.started
    assert lb.client.isEncrypted("both") and lb.client.isVerified("both")


@pytest.mark.parametrize("hostkey", [b"ssh-ed25519", b"rsa-sha2-512", b"rsa-sha2-256",
                                     b"ecdsa-sha2-nistp256"])
def test_host_key_algorithms(hostkey: bytes) -> None:
    f = S.make_factory(host_keys=("id_ed25519", "id_rsa", "id_ecdsa"))
    conn = S.ReadyConnection()

    def setup(t: S.TestClientTransport) -> None:
        t.supportedPublicKeys = [hostkey]

    lb = S.loopback(f, client_setup=setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    assert lb.client.keyAlg == hostkey and conn.started


def test_group_exchange_with_primes() -> None:
    f = S.make_factory()
    g, p = _kex.group(2048)
    f.primes = {2048: [(g, p)]}
    conn = S.ReadyConnection()

    def setup(t: S.TestClientTransport) -> None:
        t.supportedKeyExchanges = [b"diffie-hellman-group-exchange-sha256"]

    lb = S.loopback(f, client_setup=setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    assert lb.server.kexAlg == b"diffie-hellman-group-exchange-sha256" and conn.started


@pytest.mark.parametrize("compression", [b"zlib", b"zlib@openssh.com"])
def test_compression(compression: bytes) -> None:
    f = S.make_factory()
    f.protocol = type("Server", (transport.SSHServerTransport,),
                      {"supportedCompressions": [b"none", b"zlib@openssh.com", b"zlib"]})
    conn = S.ReadyConnection()

    def setup(t: S.TestClientTransport) -> None:
        t.supportedCompressions = [compression]

    lb = S.loopback(f, client_setup=setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    lb.conn = conn  # type: ignore[attr-defined]
    assert lb.conn.started  # type: ignore[attr-defined]
    assert lb.client.outgoingCompression is not None
    assert lb.server.incomingCompression is not None


def test_rekey_keeps_the_connection() -> None:
    lb = _login()
    first = lb.client.sessionID
    old = lb.client.currentEncryptions
    lb.client.sendKexInit()
    lb.pump()
    assert lb.client.currentEncryptions is not old
    assert lb.client.sessionID == first
    assert lb.client._keyExchangeState == lb.client._KEY_EXCHANGE_NONE
    # The server can start one too, and traffic goes on afterwards.
    lb.server.sendKexInit()
    lb.client.sendIgnore(b"during")
    lb.pump()
    assert not lb.server_io.disconnecting and not lb.client_io.disconnecting


def test_rekey_after_byte_limit() -> None:
    lb = _login()
    lb.client.rekey_bytes = 10_000
    before = lb.client.currentEncryptions
    for _ in range(30):
        lb.client.sendIgnore(b"x" * 1000)
        lb.pump()
    assert lb.client.currentEncryptions is not before
    assert not lb.server_io.disconnecting


def test_rekey_after_time_on_the_next_packet() -> None:
    lb = _login()
    clock = lb.server.factory.clock
    before = lb.server.currentEncryptions
    assert not clock.getDelayedCalls() or all(
        "rekey" not in repr(c) for c in clock.getDelayedCalls())
    clock.advance(lb.server.rekey_interval - 1)
    lb.server.sendIgnore(b"early")
    lb.pump()
    assert lb.server.currentEncryptions is before
    clock.advance(2)
    lb.server.sendIgnore(b"late")
    lb.pump()
    assert lb.server.currentEncryptions is not before
    assert not lb.server_io.disconnecting and not lb.client_io.disconnecting


def test_wrong_host_key_is_refused() -> None:
    def setup(t: S.TestClientTransport) -> None:
        t.expected_host_key = S.key("id_ed25519_other").public()

    lb = S.loopback(client_setup=setup)
    errors: list[tuple[int, bytes]] = []
    lb.server.receiveError = lambda code, text: errors.append((code, text))  # type: ignore[method-assign]
    lb.pump()
    assert lb.client_io.disconnecting
    assert errors == [(transport.DISCONNECT_HOST_KEY_NOT_VERIFIABLE, b"bad host key")]


def test_corrupted_encrypted_packet_is_a_mac_error() -> None:
    lb = _login()
    lb.client.sendIgnore(b"hello")
    data = bytearray(lb.client_io.value())
    lb.client_io.clear()
    data[-3] ^= 1
    lb.server.dataReceived(bytes(data))
    assert lb.server_io.disconnecting


def test_ext_info_server_sig_algs() -> None:
    lb = _login()
    algs = lb.client.peerExtensions[b"server-sig-algs"].split(b",")
    assert b"rsa-sha2-512" in algs and b"ssh-rsa" not in algs


def test_version_string_of_peer_in_exchange_hash() -> None:
    lb = _login()
    assert lb.client.otherVersionString == lb.server.ourVersionString
    assert lb.server.otherVersionString == lb.client.ourVersionString


def test_modp_groups_match_rfc3526() -> None:
    """The computed groups: RFC 3526's group 14 prime begins FFFFFFFF FFFFFFFF C90FDAA2."""
    for bits in (2048, 4096, 8192):
        g, p = _kex.group(bits)
        assert g == 2 and p.bit_length() == bits
        assert p.to_bytes(bits // 8, "big")[:12] == bytes.fromhex("FFFFFFFFFFFFFFFFC90FDAA2")
    g, p = _kex.group(2048)
    assert pow(3, p - 1, p) == 1  # Fermat: p is (probably) prime
    assert transport.DH_PRIME == _kex.group(2048)[1] and transport.DH_GENERATOR == 2


# --------------------------------------------------------------- whole and split agree


def _observe(chunks: list[bytes]) -> tuple[object, ...]:
    """Feed a server transport; what a peer would observe, without the random parts."""
    proto, io = _server()
    seen: list[tuple[int, bytes]] = []
    original = proto.dispatchMessage

    def record(messageNum: int, payload: bytes) -> None:
        seen.append((messageNum, payload))
        original(messageNum, payload)

    proto.dispatchMessage = record  # type: ignore[method-assign]
    for chunk in chunks:
        if io.disconnecting:
            break
        proto.dataReceived(chunk)
    return (io.disconnecting, _disconnect_of(_after_version(io)), proto.gotVersion,
            proto.otherVersionString, seen)


def _seeds() -> list[bytes]:
    lb = S.loopback()
    client_bytes = lb.client_io.value()
    version, kexinit = client_bytes.split(b"\r\n", 1)
    return [client_bytes, b"junk line\r\n" + client_bytes,
            version + b"\r\n" + _plain_packet(bytes([transport.MSG_IGNORE]) + NS(b"x")) + kexinit,
            b"SSH-1.5-old\r\n", version + b"\r\n" + struct.pack(">L", 99999999) + b"\0" * 8]


def test_whole_and_split_agree() -> None:
    """Bounded fuzz in the manner of tests/fuzz: mutated client openings, fed whole or
    split at random points, give the same observations and never raise."""
    from tests.fuzz._mutate import mutate, split

    seeds = _seeds()
    rng = random.Random(2020)
    for _ in range(150):
        data = mutate(rng, seeds)
        assert _observe([data]) == _observe(split(rng, data))


def test_client_transport_needs_its_subclass_to_finish() -> None:
    client = transport.SSHClientTransport()
    with pytest.raises(NotImplementedError):
        client.connectionSecure()
    failures: list[object] = []
    client.verifyHostKey(b"", b"").addErrback(failures.append)
    assert failures and failures[0].check(NotImplementedError)


# --------------------------------------------------------------- SSHCiphers, Conch's interface


@pytest.mark.parametrize("mac", [m for m in transport.SSHCiphers.macMap if m != b"none"])
def test_make_mac_is_the_hmac_of_sequence_and_data(mac: bytes) -> None:
    import hashlib
    import hmac

    integ = bytes(range(64))
    ciphers = transport.SSHCiphers(b"none", b"none", mac, mac)
    ciphers.setKeys(b"", b"", b"", b"", integ, integ)
    digest = transport.SSHCiphers.macMap[mac]
    size = digest().digest_size
    expected = hmac.new(integ[:size], struct.pack(">L", 7) + b"data", digest).digest()
    assert ciphers.makeMAC(7, b"data") == expected
    assert ciphers.verify(7, b"data", expected) and not ciphers.verify(8, b"data", expected)
    assert ciphers.verifyDigestSize == size
    params = ciphers._getMAC(mac, integ)
    assert params[0] is digest and params[3] == size
    assert params.key == integ[:size].ljust(digest().block_size, b"\0")  # type: ignore[attr-defined]
    assert ciphers._getMAC(b"none", integ) == (None, b"", b"", 0)
    assert hashlib is not None


def test_make_mac_uses_the_out_mac_parameters() -> None:
    # RFC 2104's HMAC-MD5 test vectors (the first 4 bytes of the data are the sequence number).
    ciphers = transport.SSHCiphers(b"none", b"none", b"hmac-md5", b"none")
    for key, data, digest in [
        (b"\x0b" * 16, b"Hi There", "9294727a3638bb1c13f48ef8158bfc9d"),
        (b"Jefe", b"what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"),
    ]:
        ciphers.outMAC = ciphers._getMAC(b"hmac-md5", key)
        (seq,) = struct.unpack(">L", data[:4])
        assert ciphers.makeMAC(seq, data[4:]).hex() == digest


def test_get_cipher_gives_the_engine() -> None:
    ciphers = transport.SSHCiphers(b"A", b"B", b"C", b"D")
    engine = ciphers._getCipher(b"aes128-ctr", bytes(16), bytes(16))
    assert engine.algorithm.key_size == 128
    assert isinstance(ciphers._getCipher(b"none", b"", b""), transport._DummyCipher)


def test_no_cipher_with_a_mac_still_sends_and_checks_the_mac() -> None:
    import hmac

    integ = bytes(range(32))
    ciphers = transport.SSHCiphers(b"none", b"none", b"hmac-sha2-256", b"hmac-sha2-256")
    ciphers.setKeys(b"", b"", b"", b"", integ, integ)
    packet = ciphers._out.seal(3, b"\x05payload")
    plain, mac = packet[:-32], packet[-32:]
    assert plain[5:13] == b"\x05payload"
    assert mac == hmac.new(integ, struct.pack(">L", 3) + plain, "sha256").digest()
    length, head = ciphers._in.length(3, packet[:8])
    assert ciphers._in.open(3, head, packet)[1:9] == b"\x05payload"


@pytest.mark.parametrize(("cipher", "mac"), [
    (b"aes128-ctr", b"hmac-sha2-384"), (b"aes128-ctr", b"hmac-md5"),
    (b"none", b"hmac-sha2-256"), (b"aes256-ctr", b"hmac-sha1"),
])
def test_macs_known_but_not_offered_work_when_listed(cipher: bytes, mac: bytes) -> None:
    def setup(t: S.TestClientTransport) -> None:
        t.supportedCiphers = [cipher]
        t.supportedMACs = [mac]

    f = S.make_factory()
    f.protocol = type("Server", (transport.SSHServerTransport,),
                      {"supportedCiphers": [cipher], "supportedMACs": [mac]})
    conn = S.ReadyConnection()
    lb = S.loopback(f, client_setup=setup,
                    userauth_factory=lambda: S.KeyUserAuth(S.USER, conn, [S.key("id_ecdsa")]))
    lb.pump()
    assert lb.client.currentEncryptions.outMACType == mac and conn.started
    assert lb.client.isVerified("both")
    assert (cipher, mac) not in [(c, m) for c in transport.SSHTransportBase.supportedCiphers
                                 for m in transport.SSHTransportBase.supportedMACs]


class _StandIn:
    """An object standing for SSHCiphers: XOR "encryption" and a one-byte MAC."""

    encBlockSize = decBlockSize = 8
    verifyDigestSize = 1
    outCipType = inCipType = b"xor"
    outMACType = inMACType = b"seq"

    def encrypt(self, data: bytes) -> bytes:
        assert len(data) % 8 == 0
        return bytes(b ^ 0x55 for b in data)

    decrypt = encrypt

    def makeMAC(self, seq: int, data: bytes) -> bytes:
        return bytes([seq & 0xFF])

    def verify(self, seq: int, data: bytes, mac: bytes) -> bool:
        return mac == bytes([seq & 0xFF])


def test_stand_in_ciphers_are_used_through_their_interface() -> None:
    proto, io = _server()
    proto.currentEncryptions = _StandIn()  # type: ignore[assignment]
    proto._keyExchangeState = proto._KEY_EXCHANGE_NONE
    io.clear()
    proto.sendPacket(transport.MSG_IGNORE, NS(b"hello"))
    sent = io.value()
    assert len(sent) % 8 == 1 and sent[-1] == proto.outgoingPacketSequence - 1
    plain = bytes(b ^ 0x55 for b in sent[:-1])
    assert plain[5:15] == bytes([transport.MSG_IGNORE]) + NS(b"hello")
    # Read back, one byte at a time: the first block is decrypted once and kept.
    reader, _io = _server()
    reader.currentEncryptions = _StandIn()  # type: ignore[assignment]
    reader.gotVersion = True
    reader.incomingPacketSequence = proto.outgoingPacketSequence - 1
    got = None
    for i in range(len(sent)):
        reader.buf += sent[i : i + 1]
        got = reader.getPacket()
        if i < len(sent) - 1:
            assert got is None
        if i == 7:
            assert reader.first == plain[:8]
    assert got == bytes([transport.MSG_IGNORE]) + NS(b"hello")
    assert reader.buf == b"" and reader.first is None


@pytest.mark.parametrize("kex", [b"ecdh-sha2-nistp256", b"curve25519-sha256"])
def test_client_keeps_its_ephemeral_ec_key(kex: bytes) -> None:
    lb = _login(supportedKeyExchanges=[kex])
    client = lb.client
    assert client.kexAlg == kex
    encoded = client._encodeECPublicKey(client.ecPub)
    assert encoded == client._ec_public
    if kex.startswith(b"curve25519"):
        assert len(encoded) == 32
    else:
        assert encoded[:1] == b"\x04" and len(encoded) == 65
    other = client._generateECPrivateKey()
    assert type(other.public_key()) is type(client.ecPub)


def test_get_key_is_four_hash_lengths_of_rfc4253_key_material() -> None:
    import hashlib

    proto, _io = _server()
    proto.kexAlg = b"ecdh-sha2-nistp384"
    proto.sessionID = b"session"
    k1 = hashlib.sha384(b"K" + b"H" + b"A" + b"session").digest()
    k2 = hashlib.sha384(b"KH" + k1).digest()
    k3 = hashlib.sha384(b"KH" + k1 + k2).digest()
    k4 = hashlib.sha384(b"KH" + k1 + k2 + k3).digest()
    assert proto._getKey(b"A", b"K", b"H") == k1 + k2 + k3 + k4


def _kexinit(kex: list[bytes], keys: list[bytes], follows: bool) -> bytes:
    base = transport.SSHTransportBase
    lists = [kex, keys, base.supportedCiphers, base.supportedCiphers, base.supportedMACs,
             base.supportedMACs, base.supportedCompressions, base.supportedCompressions, [], []]
    return (bytes(16) + b"".join(NS(b",".join(x)) for x in lists)
            + (b"\x01" if follows else b"\x00") + bytes(4))


@pytest.mark.parametrize(("kex_first", "key_first", "ignored"), [
    (True, True, 0), (False, True, 1), (True, False, 1),
])
def test_guessed_packet_is_ignored_when_first_preferences_differ(
        kex_first: bool, key_first: bool, ignored: int) -> None:
    proto, _io = _server()
    proto.dataReceived(b"SSH-2.0-peer\r\n")
    ours_kex = list(proto.supportedKeyExchanges)
    ours_keys = list(proto.supportedPublicKeys)
    kex = ours_kex if kex_first else ours_kex[::-1]
    keys = ours_keys if key_first else ours_keys[::-1]
    proto.ssh_KEXINIT(_kexinit(kex, keys, True))
    assert proto.ignoreNextPacket == ignored
    # The negotiated method is the client's first that the server has, either way.
    assert proto.kexAlg == kex[0]


def test_ext_info_only_to_a_peer_that_asked_for_it() -> None:
    proto, io = _server()
    proto._keyExchangeState = proto._KEY_EXCHANGE_NONE
    io.clear()
    proto.sendExtInfo([(b"server-sig-algs", b"rsa-sha2-256")])
    assert io.value() == b""
    proto._peerSupportsExtensions = True
    proto.sendExtInfo([(b"server-sig-algs", b"rsa-sha2-256")])
    assert io.value() != b""


def test_service_accept_without_a_name_starts_the_requested_service() -> None:
    from twistio.conch.ssh import service

    started: list[bool] = []

    class Svc(service.SSHService):
        name = b"ssh-userauth"

        def serviceStarted(self) -> None:
            started.append(True)

    client = transport.SSHClientTransport()
    client.makeConnection(StringTransport())
    client.instance = Svc()
    client.ssh_SERVICE_ACCEPT(b"")
    assert started == [True] and client.service is client.instance


def test_wrongly_guessed_first_packet_is_dropped_on_the_wire() -> None:
    proto, io = _server()
    proto.dataReceived(b"SSH-2.0-peer\r\n")
    kex = list(proto.supportedKeyExchanges)[::-1]
    keys = list(proto.supportedPublicKeys)
    proto.dataReceived(_plain_packet(bytes([transport.MSG_KEXINIT]) + _kexinit(kex, keys, True)))
    assert proto.ignoreNextPacket == 1
    io.clear()
    # The guess (garbage for the method negotiated) is dropped without a reply.
    proto.dataReceived(_plain_packet(b"\x1e" + NS(b"guess")))
    assert proto.ignoreNextPacket == 0 and io.value() == b""


def test_unknown_key_exchange_set_by_hand_is_unsupported() -> None:
    from cryptography.exceptions import UnsupportedAlgorithm

    proto, _io = _server()
    proto.kexAlg = b"bad-curve"
    with pytest.raises(UnsupportedAlgorithm):
        proto._ssh_KEX_ECDH_INIT(NS(b"unused"))
