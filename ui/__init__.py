"""Streamlit-only helpers for the pages: session state, shared widgets, figure builders."""
