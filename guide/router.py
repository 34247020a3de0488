"""HTTP routes of the guide domain: thin wrappers over guide's service functions."""

from fastapi import APIRouter

router = APIRouter()
