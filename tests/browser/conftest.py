import os

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM then refuses
# synchronous queries from that thread unless told it is safe (it is: one thread here).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
