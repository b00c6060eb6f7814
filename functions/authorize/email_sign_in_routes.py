"""The tenant's pages for email sign-in by a mailed link or 6-digit code."""

from __future__ import annotations

from fastapi import APIRouter

email_sign_in_router = APIRouter(prefix="/t/{tenant}")
