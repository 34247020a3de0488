"""The merchant console at /console."""

from fastapi import APIRouter

router = APIRouter()
