"""The live pilot's shell: SDK client, SQLite ledger, file reading, result streaming and the command line.

The pure rules live here too, in modules that do no I/O (`requests`: the Message Batches request format
and validation; `spend`: worst-case spend and the budget decision; `checks`: output checks; `clock`:
the batch clock; `report`: the report accumulator); the planner's side of a pilot is
`costmodel.measurement.PilotMeasurement`. The other modules do the I/O. `anthropic` is imported only
when a pilot talks to an API.
"""
