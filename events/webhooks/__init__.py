"""Webhooks: deliveries of change events to subscribers' URLs, signed per the Standard Webhooks
specification (`signing`), never to an address inside the operator's network (`addresses`)."""
