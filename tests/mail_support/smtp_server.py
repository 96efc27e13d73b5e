"""A real SMTP server on loopback for dun's mail tests (aiosmtpd).

Every accepted message is saved as N.json (envelope, decoded headers and
body, MIME facts) in --dir, in the order received. Misbehaviour on demand:
  --refuse ADDR   answer 550 to RCPT TO:<ADDR>
  --drop-at K     abort the connection at the DATA of the K-th message
  --stall-at K    save the K-th message, write DIR/stalled, then never answer
Writes its port to DIR/port when it is listening.
"""
import argparse, asyncio, json, os, socket, sys, time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, args):
        self.args = args
        self.seen = 0      # DATA commands seen
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.args.refuse:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def save(self, envelope):
        raw = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        self.saved += 1
        rec = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(),
            "charset": msg.get_content_charset(),
            "mime_version": str(msg["mime-version"]),
            "raw_is_ascii": all(b < 128 for b in raw),
            "body": msg.get_content(),
        }
        path = os.path.join(self.args.dir, "%03d.json" % self.saved)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(rec, f, ensure_ascii=False)
        os.rename(path + ".tmp", path)

    async def handle_DATA(self, server, session, envelope):
        self.seen += 1
        if self.seen == self.args.drop_at:
            server.transport.abort()
            return "421 dropped"
        self.save(envelope)
        if self.seen == self.args.stall_at:
            open(os.path.join(self.args.dir, "stalled"), "w").close()
            await asyncio.sleep(3600)
        return "250 2.0.0 Ok: queued as %d" % self.saved


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--drop-at", type=int, default=0)
    p.add_argument("--stall-at", type=int, default=0)
    args = p.parse_args()
    port = free_port()
    c = Controller(Handler(args), hostname="127.0.0.1", port=port)
    c.start()
    with open(os.path.join(args.dir, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(args.dir, "port.tmp"), os.path.join(args.dir, "port"))
    try:
        # Ends when the test closes our stdin (or kills us).
        sys.stdin.read()
    finally:
        c.stop()


if __name__ == "__main__":
    main()
