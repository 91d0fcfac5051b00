"""An aiosmtpd handler for Polku's tests: every message received is written to DIR as one JSON file
(envelope, and the decoded subject, headers and body), so the Rust tests can read what a real SMTP server got.

Run: PYTHONPATH=<this dir> python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR
"""

import email
import email.policy
import json
import os
import uuid


class Sink:
    def __init__(self, directory):
        self.directory = directory

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtp_sink.Sink takes the output directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        # A multipart message: its text part as the body, its HTML part beside it.
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "message_id": str(msg["message-id"]),
            "content_type": msg.get_content_type(),
            "list_unsubscribe": str(msg["list-unsubscribe"] or ""),
            "list_unsubscribe_post": str(msg["list-unsubscribe-post"] or ""),
            "body": plain.get_content() if plain is not None else "",
            "html": html.get_content() if html is not None else "",
        }
        name = uuid.uuid4().hex
        tmp = os.path.join(self.directory, name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted for delivery"
