"""The tenant's pages for sign-up, email verification (and resending it), forgot
password and password reset."""

from __future__ import annotations

from fastapi import APIRouter

sign_up_router = APIRouter(prefix="/t/{tenant}")
