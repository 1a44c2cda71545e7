"""Configuration for tortoise's own CLI (`tortoise makemigrations`), used by developers only.

The application never imports this; it builds its configuration from DATABASE_URL (bot/db.py).
"""

from bot.db import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite://data/makemigrations.sqlite3")
