"""Stand-ins for the mail server (outside the portal): Django's in-memory backend, with the
round trip a real SMTP server takes."""

import time

from django.core.mail.backends.locmem import EmailBackend


class SlowMailServer(EmailBackend):
    """Each message takes 30 ms to hand over, as to an SMTP server across the network."""

    def send_messages(self, messages):
        time.sleep(0.03)
        return super().send_messages(messages)
