"""WhatsApp through Twilio: ``channel`` (parsing, rendering, the 24-hour window and templates,
sending with the real twilio client), ``webhook`` (the two signed webhooks), ``templates``
(the approved-template file)."""

__all__ = ["channel", "templates", "webhook"]
