"""Batch Planner's pure core: cost, SLA, recommendation and finance models for the Message Batches API.

No Streamlit, no network, no disk writes, no clock, no `anthropic`: the shell passes dates in.
"""
