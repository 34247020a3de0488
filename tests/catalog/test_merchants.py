import pytest

from catalog.merchants import authenticate, create_merchant, hash_key, revoke_key, rotate_key
from catalog.models import ApiKey
from fitguide.db import Database
from fitguide.errors import Conflict, InvalidInput, Unauthorized


def test_key_is_stored_only_as_hash(database: Database) -> None:
    with database.session() as session:
        issued = create_merchant(session, "Shop A")
    with database.session() as session:
        stored = session.query(ApiKey).one()
        assert stored.key_hash == hash_key(issued.key)
        assert issued.key not in stored.key_hash
        assert authenticate(session, issued.key).id == issued.merchant_id


def test_wrong_missing_and_revoked_keys_are_rejected(database: Database) -> None:
    with database.session() as session:
        issued = create_merchant(session, "Shop A", "shop-a")
    with database.session() as session:
        with pytest.raises(Unauthorized):
            authenticate(session, None)
        with pytest.raises(Unauthorized):
            authenticate(session, issued.key + "x")
    with database.session() as session:
        new = rotate_key(session, "shop-a")
    with database.session() as session:
        with pytest.raises(Unauthorized):
            authenticate(session, issued.key)
        assert authenticate(session, new.key).id == "shop-a"
        revoke_key(session, "shop-a", new.prefix)
    with database.session() as session, pytest.raises(Unauthorized):
        authenticate(session, new.key)


def test_merchant_ids_are_validated_and_unique(database: Database) -> None:
    with database.session() as session:
        create_merchant(session, "Shop", "shop")
    with database.session() as session, pytest.raises(Conflict):
        create_merchant(session, "Shop", "shop")
    with database.session() as session, pytest.raises(InvalidInput):
        create_merchant(session, "Shop", "Bad Id!")
