"""Publishing: officers' updates with photos, IT's review, and posts published exactly once."""
