"""Rows to workbooks (and tables from files); knows nothing about chats."""
