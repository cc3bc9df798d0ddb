"""Summaries of the program's records for the dashboard and HQ workbooks (no Qt)."""
