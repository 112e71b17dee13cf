"""A capturing SMTP server for the tests and the demo (Debian's python3-aiosmtpd; run with /usr/bin/python3).

Every accepted message is written, byte for byte as received, into a maildir (one file per message under new/),
preceded by two lines the tests read the envelope from: X-Envelope-From and X-Envelope-To. It offers AUTH PLAIN and
LOGIN without TLS (loopback only) and accepts exactly one user, and also mail without AUTH. Recipients at two reserved
domains answer on cue: @tempfail.invalid gets 451 (try again later), @reject.invalid gets 550 (refused for good).

usage: smtp_capture.py HOST:PORT MAILDIR   (user and password from VPNPERF_SMTP_USER, VPNPERF_SMTP_PASSWORD)
"""
import asyncio
import mailbox
import os
import signal
import sys

from aiosmtpd.smtp import SMTP, AuthResult

USER = os.environ.get("VPNPERF_SMTP_USER", "vpnperf").encode()
PASSWORD = os.environ.get("VPNPERF_SMTP_PASSWORD", "vpnperf-test").encode()


class Capture:
    def __init__(self, directory):
        # Maildir creates its folders only for a directory that does not exist yet; this one may (its pid and log file).
        for sub in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        self.box = mailbox.Maildir(directory, create=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        domain = address.rpartition("@")[2].lower()
        if domain == "tempfail.invalid":
            return "451 4.3.0 Temporary failure on cue, try again later"
        if domain == "reject.invalid":
            return "550 5.1.1 Mailbox refused on cue"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        head = "X-Envelope-From: {}\r\nX-Envelope-To: {}\r\n".format(envelope.mail_from, ", ".join(envelope.rcpt_tos))
        # Maildir writes under tmp/ and renames into new/: a reader never sees half a message.
        self.box.add(head.encode() + envelope.original_content)
        return "250 2.0.0 Message accepted"


def authenticate(server, session, envelope, mechanism, auth_data):
    ok = getattr(auth_data, "login", None) == USER and getattr(auth_data, "password", None) == PASSWORD
    # handled=False: aiosmtpd answers the failure (535) itself; a handled failure would leave the client waiting.
    return AuthResult(success=ok, handled=False)


def main():
    host, _, port = sys.argv[1].rpartition(":")
    handler = Capture(sys.argv[2])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(handler, hostname="vpnperf-capture", authenticator=authenticate, auth_require_tls=False, auth_required=False),
        host, int(port)))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
