"""Realtime delivery: the hub, the bus between processes, the WebSocket gateway and SSE."""
