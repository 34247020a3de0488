"""The embeddable widget script and the demo shop page."""

from fastapi import APIRouter

router = APIRouter()
