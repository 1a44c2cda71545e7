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

# A new English citizen: /start, the short registration, then the whole idea wizard to submission.
WIZARD: list[Step] = [
    ("send", "/start", "Welcome"),
    ("press", "New idea", "What name may others see?"),
    ("press", "Use “", "Which municipality"),
    ("send", "Zwolle", "as a resident, or on behalf"),
    ("press", "Resident", "e-mail address"),
    ("press", "Skip", "privacy statement"),
    ("press", "I agree", "Step 1 of 8"),
    ("send", "Playground {user} for the neighbourhood", "Step 2 of 8"),
    ("press", "Green spaces and nature", "Step 3 of 8"),
    ("press", "✓ Zwolle", "Step 4 of 8"),
    ("send", "We turn the empty field behind the school into a playground, citizen {user}.", "Step 5 of 8"),
    ("press", "Skip", "Step 6 of 8"),
    ("press", "Volunteers", "✓ 🙋 Volunteers"),
    ("press", "Done", "Step 7 of 8"),
    ("send", "2.500", "Step 8 of 8"),
    ("press", "Skip", "ready to submit?"),
    ("press", "Submit", "is submitted"),
]

SCRIPTS: dict[str, list[Step]] = {"echo": ECHO, "basics": BASICS, "wizard": WIZARD}
