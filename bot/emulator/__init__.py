"""A Bot API emulation: the bot talks to it over HTTP as it would to Telegram.

The tests and the sandbox run the real bot against it; a control API under /_emulator/
lets a test (or the sandbox page) act as users and read what each user sees.
"""
