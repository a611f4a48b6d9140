"""Answering citizens: reply templates, and the replies sent through the delivery engine."""
