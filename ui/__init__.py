"""Plumbing shared by the Streamlit pages: the session's actor and how errors are shown."""
