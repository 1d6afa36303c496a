"""Raw packets: Ethernet frames, IPv4 packets and UDP datagrams, and TUN/TAP devices.

``raw`` has the interfaces of packet-level protocols, ``ethernet``, ``ip`` and ``rawudp``
parse one layer each and hand what they carry to the protocols registered for it, and
``tuntap`` reads and writes a Linux TUN/TAP tunnel device on the asyncio loop. ``testing``
is an in-memory tunnel system for tests (no real device, no change to the machine's
network).
"""
