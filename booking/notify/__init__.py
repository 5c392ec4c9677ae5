"""Customer notifications: messages, outbox, channels, dispatch and delay estimates."""
