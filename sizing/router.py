"""HTTP routes of the sizing domain: thin wrappers over sizing's service functions."""

from fastapi import APIRouter

router = APIRouter()
