"""Repeated failed sign-ins answer 429 with Retry-After, per account and per address."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.conftest import PASSWORD, Account, assert_problem, signup, unique_email
from tests.harness import Server

LOGIN = "/api/v1/auth/login"


def test_ten_wrong_passwords_lock_the_account(client: httpx.Client, owner: Account) -> None:
    wrong = {"email": owner.email, "password": "not the password"}
    for _ in range(9):
        assert_problem(client.post(LOGIN, json=wrong), 401, "auth.invalid_credentials")
    tenth = client.post(LOGIN, json=wrong)
    body = assert_problem(tenth, 429, "auth.too_many_failures")
    retry_after = int(tenth.headers["retry-after"])
    assert 0 < retry_after <= 900
    assert body["retry_after"] == retry_after

    # While locked, even the right password is refused: guessing cannot go on.
    right = client.post(LOGIN, json={"email": owner.email, "password": PASSWORD})
    assert_problem(right, 429, "auth.too_many_failures")
    assert "retry-after" in right.headers
    # Other accounts are not affected.
    other = signup(client, "bystander")
    assert client.post(LOGIN, json={"email": other.email, "password": PASSWORD}).status_code == 200


def test_a_successful_login_resets_the_account_count(client: httpx.Client, owner: Account) -> None:
    wrong = {"email": owner.email, "password": "not the password"}
    for _ in range(9):
        client.post(LOGIN, json=wrong)
    assert client.post(LOGIN, json={"email": owner.email, "password": PASSWORD}).status_code == 200
    for _ in range(9):
        assert_problem(client.post(LOGIN, json=wrong), 401, "auth.invalid_credentials")


def test_unknown_accounts_are_throttled_too(client: httpx.Client) -> None:
    probe = {"email": unique_email("ghost"), "password": "guess"}
    statuses = [client.post(LOGIN, json=probe).status_code for _ in range(10)]
    assert statuses == [401] * 9 + [429]


def test_one_address_trying_many_accounts_is_locked(make_server: Callable[..., Server]) -> None:
    strict = make_server(login_max_failures_per_address=5)
    with strict.client(headers={"X-Forwarded-For": "203.0.113.7"}) as attacker:
        for i in range(4):
            response = attacker.post(LOGIN, json={"email": unique_email(str(i)), "password": "x"})
            assert_problem(response, 401, "auth.invalid_credentials")
        fifth = attacker.post(LOGIN, json={"email": unique_email("5"), "password": "x"})
        assert_problem(fifth, 429, "auth.too_many_failures")
    with strict.client(headers={"X-Forwarded-For": "198.51.100.9"}) as someone_else:
        account = signup(someone_else, "innocent")
        ok = someone_else.post(LOGIN, json={"email": account.email, "password": PASSWORD})
        assert ok.status_code == 200
