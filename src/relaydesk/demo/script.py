"""The demo's simulated customers and what they write, in Chinese and English.

Every name ends in "(demo)" and every phone number is a US 555-01xx number, reserved for
fiction, so nobody mistakes a simulated customer for a real one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Channel = Literal["telegram", "whatsapp"]


@dataclass(frozen=True)
class Customer:
    """One simulated customer: `opening` lines arrive one after another at the demo's pace;
    each agent reply is answered with the next of `follow_ups`; `nudge` is written once when
    nobody has answered for a while."""

    key: str
    channel: Channel
    name: str
    # Telegram: the user id (also the private chat id). WhatsApp: the wa_id (digits).
    address: str
    opening: tuple[str, ...]
    follow_ups: tuple[str, ...]
    nudge: str

    @property
    def display_name(self) -> str:
        return f"{self.name} (demo)"


CUSTOMERS: tuple[Customer, ...] = (
    Customer(
        key="tg-li-ming",
        channel="telegram",
        name="李明",
        address="7100000001",
        opening=("你好，我上周下的订单 #A1042 还没发货，能帮我查一下吗？",),
        follow_ups=("好的，谢谢！大概什么时候能到？", "明白了，收到后我再联系你们 👍"),
        nudge="请问有人在吗？",
    ),
    Customer(
        key="tg-oliver",
        channel="telegram",
        name="Oliver Grant",
        address="7100000002",
        opening=(
            "Hi! Does the X2 kettle work with 110 V?",
            "I'm in Canada, so I want to be sure before I order.",
        ),
        follow_ups=("Great, that's what I needed. Do you ship to Toronto?", "Perfect, thanks!"),
        nudge="Hello? Still there?",
    ),
    Customer(
        key="tg-wang-fang",
        channel="telegram",
        name="王芳",
        address="7100000003",
        opening=("收到的杯子有裂痕，我想申请退款。", "订单号是 #A0987，照片我可以发给你们。"),
        follow_ups=("好的，退款大概几天能到账？", "谢谢你的帮助！"),
        nudge="麻烦尽快回复一下，谢谢。",
    ),
    Customer(
        key="tg-sam",
        channel="telegram",
        name="Sam Patel",
        address="7100000004",
        opening=("Can I change the delivery address on order #A1101? I'm moving next week.",),
        follow_ups=("The new address is 12 Harbour St, Unit 5.", "Thank you, that's sorted then."),
        nudge="Any update on this?",
    ),
    Customer(
        key="wa-emma",
        channel="whatsapp",
        name="Emma Clarke",
        address="12025550101",
        opening=("Hi, where is my order? Tracking hasn't moved since Monday 📦",),
        follow_ups=("Ah OK. Is there a way to speed it up?", "Thanks a lot, have a nice day!"),
        nudge="Hi again, any news on my parcel?",
    ),
    Customer(
        key="wa-chen-jie",
        channel="whatsapp",
        name="陈杰",
        address="12025550102",
        opening=("您好，请问这款蓝牙耳机支持降噪吗？", "另外有没有黑色的？"),
        follow_ups=("那我下单了，今天下单明天能发货吗？", "好的，谢谢！"),
        nudge="您好？还在吗？",
    ),
    Customer(
        key="wa-lucia",
        channel="whatsapp",
        name="Lucía Romero",
        address="12025550103",
        opening=(
            "Hello, I returned the blue jacket two weeks ago.",
            "When will I get my refund?",
        ),
        follow_ups=("OK, I'll check my bank statement on Friday.", "Got it, thank you!"),
        nudge="Hello? I'm still waiting for an answer about my refund.",
    ),
    Customer(
        key="wa-zhao-lei",
        channel="whatsapp",
        name="赵磊",
        address="12025550104",
        opening=("你好，快递显示已签收，但我没收到包裹。",),
        follow_ups=("我问了门卫，也没有。可以重新发一份吗？", "好的，辛苦了！"),
        nudge="请帮忙看一下，谢谢。",
    ),
)


def customers_of(channel: Channel) -> tuple[Customer, ...]:
    return tuple(c for c in CUSTOMERS if c.channel == channel)
