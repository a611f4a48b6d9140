"""The platform sandbox: a local server that speaks the Graph API and X API v2 wire formats.

It is part of the product (demos, training, tests), not a test double: the hub's real
adapters, through the real facebook-sdk and tweepy, talk to it over HTTP on loopback.
"""
