"""Tickets: one life per ticket (its lifecycle), triage into tickets, the board, targets."""
