"""Channel credentials sealed with AES-GCM, and key rotation through `relaydesk channels`."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from relaydesk.db import Database
from relaydesk.db.database import create_engine
from relaydesk.domains.channels.models import Channel
from relaydesk.security.credentials import (
    CredentialsError,
    Sealer,
    derive_key,
    mask,
    new_key,
    parse_keys,
)
from relaydesk.settings import ConfigError
from tests.conftest import signup
from tests.harness import (
    TEST_SECRET,
    make_settings,
    run_cli,
    running_server,
    throwaway_database,
)
from tests.messaging import telegram_channel

VALUES = {"bot_token": "123:" + "A" * 30, "secret_token": "s" * 40}


def test_seal_opens_only_for_its_channel_and_key() -> None:
    sealer = Sealer(parse_keys(f"k1:{new_key()}"))
    channel_id = uuid.uuid4()
    sealed = sealer.seal(channel_id, VALUES)
    assert sealed.startswith("v1.k1.")
    assert VALUES["bot_token"] not in sealed
    assert sealer.open(channel_id, sealed) == VALUES
    with pytest.raises(CredentialsError):
        sealer.open(uuid.uuid4(), sealed)  # copied onto another channel
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(CredentialsError):
        sealer.open(channel_id, tampered)
    with pytest.raises(CredentialsError, match="'k1'"):
        Sealer(parse_keys(f"k2:{new_key()}")).open(channel_id, sealed)


def test_the_first_key_seals_and_every_key_opens() -> None:
    old, new = new_key(), new_key()
    channel_id = uuid.uuid4()
    sealed_old = Sealer(parse_keys(f"k1:{old}")).seal(channel_id, VALUES)
    ring = Sealer(parse_keys(f"k2:{new},k1:{old}"))
    assert ring.open(channel_id, sealed_old) == VALUES
    assert ring.needs_reseal(sealed_old)
    sealed_new = ring.seal(channel_id, VALUES)
    assert not ring.needs_reseal(sealed_new)
    assert Sealer(parse_keys(f"k2:{new}")).open(channel_id, sealed_new) == VALUES


def test_the_derived_key_always_opens(tmp_path: Path) -> None:
    channel_id = uuid.uuid4()
    before = Sealer.from_settings(make_settings(tmp_path, _sqlite(tmp_path)))
    sealed = before.seal(channel_id, VALUES)
    assert sealed.startswith("v1.s0.")
    after = Sealer.from_settings(
        make_settings(tmp_path, _sqlite(tmp_path), credentials_keys=f"k1:{new_key()}")
    )
    assert after.current_kid == "k1"
    assert after.open(channel_id, sealed) == VALUES


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("k1", "kid:key"),
        ("k-1:" + "A" * 43, "kid:key"),
        ("k1:short", "32 bytes"),
        (f"k1:{'A' * 43},k1:{'B' * 43}", "twice"),
    ],
)
def test_bad_key_settings_are_named(raw: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_keys(raw)


def test_mask_shows_at_most_four_characters() -> None:
    assert mask("abcdefghijkl") == "••••ijkl"
    assert mask("short") == "••••"


def _sqlite(tmp: Path) -> URL:
    from sqlalchemy.engine import make_url

    return make_url(f"sqlite+aiosqlite:///{tmp / 'unused.db'}")


async def _sealed_credentials(url: URL) -> dict[uuid.UUID, str]:
    db = Database(create_engine(url, pool_size=1))
    try:
        async with db.read("test_credentials") as s:
            rows = await s.execute(select(Channel.id, Channel.credentials))
            return {channel_id: sealed for channel_id, sealed in rows if sealed}
    finally:
        await db.dispose()


def test_key_rotation_through_the_cli(tmp_path: Path) -> None:
    with throwaway_database(tmp_path) as url:
        # Two accounts sealed with the key derived from the secret key (no keys configured).
        with running_server(make_settings(tmp_path, url)) as server, server.client() as client:
            owner = signup(client)
            for n in range(2):
                # Nothing listens at that address: the account is kept, degraded.
                created = telegram_channel(
                    owner, "http://127.0.0.1:9", f"12345{n}:" + "A" * 30, mode="polling"
                )
                assert created["status"] == "degraded"
        env = {
            **os.environ,
            "RELAYDESK_DATABASE_URL": url.render_as_string(hide_password=False),
            "RELAYDESK_DATA_DIR": str(tmp_path / "cli"),
            "RELAYDESK_SECRET_KEY": TEST_SECRET,
            "COLUMNS": "200",
        }
        printed = run_cli(env, "channels", "new-key", "--kid", "k2")
        assert printed.returncode == 0, printed.stderr
        entry = printed.stdout.strip()
        assert entry.startswith("k2:")
        assert "reseal" in printed.stderr
        key = parse_keys(entry)["k2"]

        sealed = asyncio.run(_sealed_credentials(url))
        assert len(sealed) == 2
        assert all(v.startswith("v1.s0.") for v in sealed.values())
        resealed = run_cli({**env, "RELAYDESK_CREDENTIALS_KEYS": entry}, "channels", "reseal")
        assert resealed.returncode == 0, resealed.stderr
        assert "2 resealed with key 'k2', 0 already current, 0 failed." in resealed.stderr
        again = run_cli({**env, "RELAYDESK_CREDENTIALS_KEYS": entry}, "channels", "reseal")
        assert again.returncode == 0, again.stderr
        assert "0 resealed with key 'k2', 2 already current, 0 failed." in again.stderr

        # The new key alone opens them; the derived key no longer does.
        new_only = Sealer({"k2": key})
        derived_only = Sealer({"s0": derive_key(TEST_SECRET)})
        for channel_id, value in asyncio.run(_sealed_credentials(url)).items():
            assert value.startswith("v1.k2.")
            assert new_only.open(channel_id, value)["bot_token"].endswith("A" * 30)
            with pytest.raises(CredentialsError):
                derived_only.open(channel_id, value)

        # Keys that do not include k2: each channel is named, nothing changes, no traceback.
        other = run_cli(
            {
                **env,
                "RELAYDESK_SECRET_KEY": "another-secret-key-that-is-long-enough-42",
                "RELAYDESK_CREDENTIALS_KEYS": f"k3:{new_key()}",
            },
            "channels",
            "reseal",
        )
        assert other.returncode == 1
        assert "Traceback" not in other.stderr
        assert "0 resealed with key 'k3', 0 already current, 2 failed." in other.stderr
        for channel_id in sealed:
            assert f"channel {channel_id} (" in other.stderr
        assert "sealed with 'k2'" in other.stderr
        assert asyncio.run(_sealed_credentials(url)).keys() == sealed.keys()
        assert all(v.startswith("v1.k2.") for v in asyncio.run(_sealed_credentials(url)).values())

        broken = run_cli({**env, "RELAYDESK_CREDENTIALS_KEYS": "k4:short"}, "channels", "reseal")
        assert broken.returncode == 2
        assert "configuration error" in broken.stderr
        assert "Traceback" not in broken.stderr
