"""``twistd web --personal``: the site published over PB for a front server's UserDirectory."""

from __future__ import annotations

import os

from twistio.spread import pb
from twistio.web import distrib, server, static, tap


def test_personal_listens_on_the_users_socket_by_default() -> None:
    options = tap.Options()
    options.parseOptions(["--personal"])
    expected = os.path.expanduser(os.path.join("~", distrib.UserDirectory.userSocketName))
    assert options["ports"] == [f"unix:{expected}"]
    options = tap.Options()
    options.parseOptions(["--personal", "--listen", "tcp:0:interface=127.0.0.1"])
    assert options["ports"] == ["tcp:0:interface=127.0.0.1"]


def test_personal_server_factory_publishes_the_site() -> None:
    site = server.Site(static.Data(b"hi", "text/plain"))
    factory = tap.makePersonalServerFactory(site)
    assert isinstance(factory, pb.PBServerFactory)
    assert isinstance(factory.root, distrib.ResourcePublisher)
    assert factory.root.site is site


def test_personal_service_serves_pb() -> None:
    options = tap.Options()
    options.parseOptions(["--personal", "--listen", "tcp:0:interface=127.0.0.1"])
    service = tap.makeService(options)
    [listener] = list(service)
    assert isinstance(listener.factory, pb.PBServerFactory)  # type: ignore[attr-defined]
