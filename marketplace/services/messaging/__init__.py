"""What happened and who hears of it: audit and outbox events recorded with each change, the handlers that run them, in-app notifications and email."""
