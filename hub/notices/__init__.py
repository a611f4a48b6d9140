"""Notices to subscribers: who follows which wards (subscriptions), what the departments
announce (notices, reviewed by IT), and their messages, sent once each (sending)."""
