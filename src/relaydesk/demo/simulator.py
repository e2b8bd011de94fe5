"""Simulated customers writing to the demo's channels through the fakes' control APIs, so
their messages take the real path: the fake's webhook → RelayDesk's hooks → the inbox worker
→ conversations. A customer answered by an agent (a send the fake received) writes again."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from relaydesk.demo.script import CUSTOMERS, Customer
from relaydesk.testing.fakes import TelegramControl, WhatsAppControl
from relaydesk.testing.fakes import telegram_updates as tu

log = logging.getLogger(__name__)

# Lines of one customer's burst follow each other faster than new customers arrive.
BURST_GAP = 1.5
FIRST_MESSAGE_AFTER = 1.0
# Telegram message ids of a run start above every id of earlier runs (see `_write`).
ID_EPOCH = 1_700_000_000


@dataclass
class _State:
    customer: Customer
    opened: bool = False
    replies_seen: int = 0
    follow_ups_sent: int = 0
    nudged: bool = False
    last_written: float = 0.0


@dataclass
class Simulator:
    """Runs in its own thread until `stop()`; `report` is called with each line written."""

    telegram: TelegramControl
    whatsapp: WhatsAppControl
    bot_id: int
    phone_number_id: str
    pace: float | None = None  # None: 3-8 s, jittered
    nudge_after: float = 90.0
    report: Callable[[Customer, str], None] = lambda customer, text: None
    seed: int | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _numbered: set[str] = field(default_factory=set)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="relaydesk-demo", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _gap(self, rng: random.Random) -> float:
        if self.pace is not None:
            return self.pace
        return rng.uniform(3.0, 8.0)

    def _run(self) -> None:
        rng = random.Random(self.seed)  # noqa: S311 - timing jitter, not security
        states = {c.key: _State(c) for c in CUSTOMERS}
        # Telegram and WhatsApp customers take turns, so both channels come alive at once.
        telegram = [c for c in CUSTOMERS if c.channel == "telegram"]
        whatsapp = [c for c in CUSTOMERS if c.channel == "whatsapp"]
        arrivals: deque[Customer] = deque(
            c for pair in zip(telegram, whatsapp, strict=False) for c in pair
        )
        pending: deque[tuple[Customer, str]] = deque()
        wait = min(FIRST_MESSAGE_AFTER, self._gap(rng))
        while not self._stop.wait(wait):
            written: Customer | None = None
            try:
                written = self._step(states, arrivals, pending)
            except Exception:  # a fake or the server is busy or stopping: try again later
                log.debug("demo: a simulated message could not be written", exc_info=True)
            same_burst = written is not None and bool(pending) and pending[0][0] is written
            wait = min(BURST_GAP, self._gap(rng)) if same_burst else self._gap(rng)

    def _step(
        self,
        states: dict[str, _State],
        arrivals: deque[Customer],
        pending: deque[tuple[Customer, str]],
    ) -> Customer | None:
        """Write the next line due, if any; the customer who wrote it."""
        self._answer_replies(states, pending)
        self._nudge(states, pending)
        if not pending and arrivals:
            customer = arrivals.popleft()
            states[customer.key].opened = True
            pending.extend((customer, line) for line in customer.opening)
        if not pending:
            return None
        customer, line = pending[0]
        self._write(customer, line)
        pending.popleft()
        states[customer.key].last_written = time.monotonic()
        self.report(customer, line)
        return customer

    def _replies(self) -> dict[str, int]:
        """Agent replies each customer received so far, as the fakes recorded them."""
        counts: dict[str, int] = {}
        by_chat = {c.address: c.key for c in CUSTOMERS}
        for sent in self.telegram.sent(self.bot_id):
            key = by_chat.get(str(sent.get("chat_id")))
            if key:
                counts[key] = counts.get(key, 0) + 1
        for sent in self.whatsapp.sent(self.phone_number_id):
            key = by_chat.get(str(sent.get("wa_id")))
            if key:
                counts[key] = counts.get(key, 0) + 1
        return counts

    def _answer_replies(
        self, states: dict[str, _State], pending: deque[tuple[Customer, str]]
    ) -> None:
        for key, count in self._replies().items():
            state = states[key]
            if count <= state.replies_seen:
                continue
            state.replies_seen = count
            state.opened = True
            follow_ups = state.customer.follow_ups
            if state.follow_ups_sent < len(follow_ups):
                # An answered customer goes first: replies should feel like a conversation.
                pending.appendleft((state.customer, follow_ups[state.follow_ups_sent]))
                state.follow_ups_sent += 1

    def _nudge(self, states: dict[str, _State], pending: deque[tuple[Customer, str]]) -> None:
        now = time.monotonic()
        for state in states.values():
            waiting = state.opened and not state.replies_seen and not state.nudged
            if waiting and state.last_written and now - state.last_written > self.nudge_after:
                state.nudged = True
                pending.append((state.customer, state.customer.nudge))

    def _write(self, customer: Customer, line: str) -> None:
        if customer.channel == "telegram":
            user_id = int(customer.address)
            first, _, last = customer.display_name.partition(" ")
            extra = {"last_name": last} if last else {}
            update = tu.text(
                tu.private_chat(user_id, first, **extra), tu.user(user_id, first, **extra), line
            )
            if customer.key not in self._numbered:
                # A fresh fake numbers each chat from 1 again, and RelayDesk would take those
                # messages for ones it stored in an earlier run; the fake counts on from here.
                update["message"]["message_id"] = int(time.time() - ID_EPOCH) * 10
                self._numbered.add(customer.key)
            self.telegram.inject(self.bot_id, update)
        else:
            self.whatsapp.inbound(
                self.phone_number_id,
                {"wa_id": customer.address, "name": customer.display_name},
                {"type": "text", "text": {"body": line}},
            )
