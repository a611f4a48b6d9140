"""Delivery: the one engine every outgoing item goes through (posts, replies, and next
WhatsApp messages and notices), the classification of failures, and account holds."""
