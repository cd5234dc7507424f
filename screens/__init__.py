"""What a message looks like: its text, keyboard and 🔊 button, built from content and the
reader's language and lens. Below both rooms that send messages: the handlers
(``conversations/``) and the drainer (``delivery/``) use it; it imports neither.
"""
