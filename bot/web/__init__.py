"""The public web view (aiohttp + Jinja2): server-rendered, accessible, private."""
