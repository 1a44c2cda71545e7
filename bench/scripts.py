"""Chat scripts the load generator walks: (action, argument, text the answer must contain)."""

from __future__ import annotations

Step = tuple[str, str, str]

ECHO: list[Step] = [("send", f"hello {{user}} {n}", f"hello {{user}} {n}") for n in range(8)]

# The product's basic conversation (replaced by the idea wizard once it exists).
BASICS: list[Step] = [
    ("send", "/start", "Welcome"),
    ("send", "/help", "/cancel"),
    ("send", "/language", "Choose your language"),
    ("press", "English", "From now on"),
    ("send", "/cancel", "nothing to cancel"),
    ("send", "something unexpected", "not sure what you mean"),
    ("send", "/menu", "What would you like to do?"),
    ("send", "/help", "/language"),
]

SCRIPTS: dict[str, list[Step]] = {"echo": ECHO, "basics": BASICS, "wizard": BASICS}
