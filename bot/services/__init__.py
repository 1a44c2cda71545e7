"""Domain operations (DESIGN.md decision 2): plain async functions over ids and values.

Handlers and web views call these and never the ORM. Each function checks who may do
what and reports its outcome as a return value or a typed exception from `errors`.
"""
