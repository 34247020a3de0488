"""HTTP routes of the catalog domain: thin wrappers over catalog's service functions."""

from fastapi import APIRouter

router = APIRouter()
