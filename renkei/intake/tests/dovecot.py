"""A private Dovecot IMAP server for the fetchmail tests: a real IMAP conversation.

Debian's `dovecot-imapd` is started in a temporary directory with its own
configuration, on a free local port, plain-text login, one user and Maildir
storage. Nothing of the system's own Dovecot (if any) is used or touched.
As root, mail is kept under the `nobody` account (Dovecot refuses root);
otherwise under the user running the tests.
"""

from __future__ import annotations

import grp
import os
import pwd
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER, PASSWORD = "reports", "reports-secret"
INSTALL_HINT = "install Debian's dovecot-imapd (the tests start a private instance of it)"

CONFIG = """\
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
{unprivileged}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {home}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/mail/%u
}}
mail_location = maildir:~/Maildir
{capability}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{login_chroot}
}}
"""

# A server of the kind that predates MOVE (RFC 6851): COPY, then flags.
WITHOUT_MOVE = "imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE UIDPLUS"

# Without root, every Dovecot process runs as the user running the tests.
UNPRIVILEGED = """\
default_internal_user = {name}
default_internal_group = {group}
default_login_user = {name}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    user: str = USER
    password: str = PASSWORD


def dovecot_binary() -> str | None:
    # /usr/sbin is not on every user's PATH.
    found = shutil.which("dovecot") or "/usr/sbin/dovecot"
    return found if os.access(found, os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write_config(home: Path, port: int, capability: str) -> Path:
    root = os.geteuid() == 0
    owner = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.geteuid())
    group_name = grp.getgrgid(owner.pw_gid).gr_name
    (home / "mail" / USER).mkdir(parents=True)
    (home / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    if root:
        for path in (home / "mail", home / "mail" / USER):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    config = home / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            home=home, port=port, uid=owner.pw_uid, gid=owner.pw_gid, capability=capability,
            unprivileged="" if root else UNPRIVILEGED.format(name=owner.pw_name, group=group_name),
            login_chroot="" if root else "  chroot =",
        )
    )  # fmt: skip
    return config


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                if conn.recv(100).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"dovecot did not answer on port {port} within 20 s")


@contextmanager
def running_dovecot(binary: str, capability: str = "") -> Iterator[ImapServer]:
    """`capability`: an `imap_capability` line (WITHOUT_MOVE), else Dovecot's own list."""
    # Its own directory in /tmp: the mail user (nobody, as root) must reach it,
    # and pytest's tmp_path sits under a directory only its owner may enter.
    with tempfile.TemporaryDirectory(prefix="renkei-dovecot-") as directory:
        home = Path(directory)
        home.chmod(0o755)
        port = _free_port()
        config = _write_config(home, port, capability)
        process = subprocess.Popen([binary, "-F", "-c", str(config)])
        try:
            _wait_for(port, process, home / "dovecot.log")
            yield ImapServer("127.0.0.1", port)
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def cutting_proxy(
    server: ImapServer, cut_at: bytes = b"", sent: list[bytes] | None = None
) -> Iterator[ImapServer]:
    """A relay to `server` that drops the first connection whose client sends `cut_at`.

    The command is not passed on: both sockets are closed, so the client
    reads EOF as after a network failure. Later connections are relayed whole.
    What clients send is added to `sent`, when given.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop, cut = threading.Event(), threading.Event()

    def relay(client: socket.socket) -> None:
        with client, socket.create_connection((server.host, server.port), timeout=5) as upstream:
            while not stop.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 0.2)
                for side in ready:
                    data = side.recv(65536)
                    if side is client and sent is not None:
                        sent.append(data)
                    if side is client and cut_at and cut_at in data and not cut.is_set():
                        cut.set()
                        return
                    if not data:  # one side closed: the conversation is over
                        return
                    (upstream if side is client else client).sendall(data)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=relay, args=(client,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield ImapServer("127.0.0.1", listener.getsockname()[1], server.user, server.password)
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()
