"""Try the bot without Telegram: an in-memory Bot API, served on 127.0.0.1 with a chat page."""
