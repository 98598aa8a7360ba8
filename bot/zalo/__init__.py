"""Zalo: the Bot API adapter (private chats, polling or webhook) and the Official Account API v3
adapter (customer-service messages and group messages through the Group Message Framework)."""
