"""The live pilot's shell: SDK client, SQLite ledger, file reading, result streaming and the command line.

The pure rules live in `costmodel.pilot`; this package does the I/O. `anthropic` is imported
only when a pilot talks to an API.
"""
