"""The tenant's account page: profile, password, sessions, connected accounts,
authorized applications, deleting the account."""

from __future__ import annotations

from fastapi import APIRouter

account_router = APIRouter(prefix="/t/{tenant}")
