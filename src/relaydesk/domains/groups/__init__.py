"""Groups a channel account's bot is in (Telegram), their invite links and members."""
