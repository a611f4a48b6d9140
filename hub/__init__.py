"""The Municipal Social Hub library: services, stores and platform adapters (never Streamlit)."""
