"""The baseline web server: an aiohttp hello-world handler."""

from __future__ import annotations

import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    """The smallest useful answer."""
    return web.Response(text="Hello, world")


def main() -> None:
    """Serve on the port given as the first argument."""
    app = web.Application()
    app.router.add_get("/", hello)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)


if __name__ == "__main__":
    main()
