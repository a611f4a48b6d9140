"""The inbox: citizens' comments, replies and mentions pulled or pushed in, each stored once."""
