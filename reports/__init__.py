"""Every export Batch Planner writes, for the pages and the command line alike (one mechanism).

Pure: no Streamlit, no SDK, no network, no clock (the date is passed in) and no disk: each builder
returns `str` or `bytes` in memory and the caller (a download button, `python -m costmodel export`)
decides where it goes. openpyxl is imported lazily, only by the Excel builder; pandas is not used.
Every CSV and Excel cell that holds text goes through `reports.safe`, so no export can run a formula.
"""
