"""Triage of citizens' interactions: pulling them in, routing them to departments."""
