"""Tortoise-orm models, one module per aggregate.

`MODEL_MODULES` lists them for the Tortoise configuration (bot/db.py).
"""

MODEL_MODULES = [
    "models.region",
    "models.citizen",
    "models.initiative",
    "models.subsidy",
    "models.delivery",
    "models.conversation",
    "models.audit",
]
