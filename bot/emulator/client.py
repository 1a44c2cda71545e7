"""A client of the emulation's control API: act as a Telegram user and read what they see.

Used by the tests, the sandbox page and the benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession


@dataclass
class SentUpdate:
    update_id: int
    message_id: int | None = None
    callback_query_id: str | None = None


class EmulatorClient:
    """Talks to one emulation at `base_url` (e.g. http://127.0.0.1:8080/telegram)."""

    def __init__(self, base_url: str, session: ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.session.request(method, f"{self.base_url}/_emulator{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def user(self, user_id: int, first_name: str = "Test", language_code: str | None = "nl",
                   username: str | None = None) -> EmulatedUserClient:
        """Create (or update) a user and return a handle to act as them."""
        await self._call("POST", "/users", {"id": user_id, "first_name": first_name,
                                            "language_code": language_code, "username": username})
        return EmulatedUserClient(self, user_id)

    async def stats(self) -> dict[str, Any]:
        """Request counts and error answers of the emulation."""
        return await self._call("GET", "/stats")

    async def set_limits(self, **limits: Any) -> dict[str, Any]:
        """Switch flood limits on/off or change them."""
        return await self._call("PUT", "/limits", limits)

    async def commands(self) -> dict[str, list[dict[str, str]]]:
        """Every command list registered by the bot."""
        return await self._call("GET", "/commands")

    async def callback_answer(self, query_id: str) -> dict[str, Any]:
        """How the bot answered a callback query."""
        return await self._call("GET", f"/callback_answers/{query_id}")

    async def file(self, file_id: str) -> bytes:
        """The content of a document the bot sent."""
        async with self.session.get(f"{self.base_url}/_emulator/files/{file_id}") as response:
            response.raise_for_status()
            return await response.read()


class EmulatedUserClient:
    """One emulated user: send messages, press buttons, block the bot, read the chat."""

    def __init__(self, client: EmulatorClient, user_id: int) -> None:
        self.client = client
        self.id = user_id

    async def send(self, text: str, entities: list[dict[str, Any]] | None = None) -> SentUpdate:
        """Send a text message (a command too), with formatting `entities` (bold, text_link...) if given."""
        body: dict[str, Any] = {"text": text}
        if entities:
            body["entities"] = entities
        result = await self.client._call("POST", f"/users/{self.id}/messages", body)
        return SentUpdate(result["update_id"], result["message_id"])

    async def send_photo(self, caption: str | None = None) -> SentUpdate:
        """Send a photo."""
        result = await self.client._call("POST", f"/users/{self.id}/messages", {"photo": True, "caption": caption})
        return SentUpdate(result["update_id"], result["message_id"])

    async def send_sticker(self) -> SentUpdate:
        """Send a sticker."""
        result = await self.client._call("POST", f"/users/{self.id}/messages", {"sticker": True})
        return SentUpdate(result["update_id"], result["message_id"])

    async def press_data(self, message_id: int, data: str) -> SentUpdate:
        """Press a button with this callback_data on this message (data may be forged)."""
        result = await self.client._call("POST", f"/users/{self.id}/callbacks",
                                         {"message_id": message_id, "data": data})
        return SentUpdate(result["update_id"], callback_query_id=result["callback_query_id"])

    async def press(self, label: str, message_id: int | None = None) -> SentUpdate:
        """Press the button whose label contains `label` on the newest bot message that has one."""
        for message in reversed(await self.messages()):
            if not message["from_bot"] or (message_id and message["message_id"] != message_id):
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"] and "callback_data" in button:
                        return await self.press_data(message["message_id"], button["callback_data"])
        raise LookupError(f"no button labelled {label!r} in the chat of user {self.id}")

    async def block(self) -> SentUpdate:
        """Block the bot."""
        return SentUpdate((await self.client._call("POST", f"/users/{self.id}/block"))["update_id"])

    async def unblock(self) -> SentUpdate:
        """Unblock the bot."""
        return SentUpdate((await self.client._call("POST", f"/users/{self.id}/unblock"))["update_id"])

    async def chat(self, since: int = -1, wait: float = 0) -> dict[str, Any]:
        """The chat as this user sees it: {version, blocked, messages}."""
        async with self.client.session.get(
            f"{self.client.base_url}/_emulator/users/{self.id}/chat", params={"since": since, "wait": wait}
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def messages(self) -> list[dict[str, Any]]:
        """Every message in the chat, oldest first (deleted ones left out)."""
        return (await self.chat())["messages"]

    async def bot_messages(self) -> list[dict[str, Any]]:
        """The bot's messages in the chat, oldest first."""
        return [m for m in await self.messages() if m["from_bot"]]

    async def last_text(self) -> str:
        """The visible text of the bot's newest message."""
        messages = await self.bot_messages()
        return messages[-1]["visible_text"] if messages else ""


def button_labels(message: dict[str, Any]) -> list[str]:
    """The labels of a message's inline buttons, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]
